# tests/nix/fake-nixpkgs/nixos.nix - the NixOS modules that pool's modules
# rely on, reduced to the options pool sets or reads (plus the few the
# stand-in's own definitions need), each declared with the name and type of
# its real declaration in nixpkgs; the file there is named above each module.
# Where NixOS itself defines something pool's result depends on (the root
# user, sshd's own user, loglevel= on the kernel command line, x-initrd.mount
# for file systems needed in stage 1, the assertions of toplevel), it is
# defined here the same way. Nothing else of NixOS is here: a real option
# pool does not use is, correctly, refused as undeclared.
{ pkgsFor }:
let
  # nixos/lib/systemd-lib.nix
  systemdLib = lib: rec {
    unitNameType = lib.types.strMatching
      "[a-zA-Z0-9@%:_.\\-]+[.](service|socket|device|mount|automount|swap|target|path|timer|scope|slice)";
    boolValues = [ true false "yes" "no" ];
    assertValueOneOf = name: values: group: attr:
      lib.optional (attr ? ${name} && !(builtins.elem attr.${name} values))
        "Systemd ${group} field `${name}' cannot have value `${toString attr.${name}}'.";
    # Applied to the whole attrsOf unitOption: properties are still around
    # each value here.
    checkUnitConfig = group: checks: attrs:
      let
        defs = builtins.mapAttrs (n: v:
          if (v._type or "") == "override" || (v._type or "") == "if" then v.content else v) attrs;
        errors = lib.concatMap (c: c group defs) checks;
      in
      if errors == [ ] then true else builtins.trace (builtins.concatStringsSep "\n" errors) false;
  };

  # nixos/lib/systemd-unit-options.nix
  unitOption = lib: lib.mkOptionType {
    name = "systemd option";
    merge = loc: defs:
      if builtins.any (def: builtins.isList def.value) defs
      then lib.concatMap (def: lib.toList def.value) defs
      else lib.mergeEqualOption loc defs;
  };
in
[
  # nixos/modules/misc/assertions.nix
  ({ lib, ... }: {
    _file = "nixos/modules/misc/assertions.nix";
    options.assertions = lib.mkOption {
      type = lib.types.listOf lib.types.unspecified;
      internal = true;
      default = [ ];
    };
    options.warnings = lib.mkOption {
      internal = true;
      default = [ ];
      type = lib.types.listOf lib.types.str;
    };
  })

  # nixos/modules/misc/nixpkgs.nix: hostPlatform, and pkgs for every module.
  ({ config, lib, ... }: {
    _file = "nixos/modules/misc/nixpkgs.nix";
    options.nixpkgs.hostPlatform = lib.mkOption {
      type = lib.types.either lib.types.str lib.types.attrs;
      # nixpkgs: lib.systems.elaborate
      apply = p: if builtins.isString p then { system = p; } else p;
    };
    config._module.args.pkgs = pkgsFor config.nixpkgs.hostPlatform.system;
  })

  # nixos/modules/misc/version.nix
  ({ lib, ... }: {
    _file = "nixos/modules/misc/version.nix";
    options.system.stateVersion = lib.mkOption {
      type = lib.types.str;
      default = "25.11";
    };
  })

  # nixos/modules/system/build.nix: a freeform submodule of
  # lazyAttrsOf (uniq unspecified); here that type itself.
  ({ lib, ... }: {
    _file = "nixos/modules/system/build.nix";
    options.system.build = lib.mkOption {
      default = { };
      type = lib.types.lazyAttrsOf (lib.types.uniq lib.types.unspecified);
    };
  })

  # nixos/modules/system/activation/top-level.nix: the system, built only
  # when every assertion holds (lib.asserts.checkAssertWarn). Its contents
  # stand for /etc, the units and fstab: what pool's modules set is all
  # evaluated (and type checked) when the system is.
  ({ config, lib, pkgs, ... }: {
    _file = "nixos/modules/system/activation/top-level.nix";
    options.system.boot.loader.initrdFile = lib.mkOption {
      default = "initrd";
      internal = true;
      type = lib.types.str;
    };
    options.system.boot.loader.kernelFile = lib.mkOption {
      default = "bzImage"; # config.boot.kernelPackages.kernel.target
      internal = true;
      type = lib.types.str;
    };
    config.system.build.toplevel =
      let
        failed = map (x: x.message) (builtins.filter (x: !x.assertion) config.assertions);
        system = pkgs.writeText "nixos-system-${config.networking.hostName}" (builtins.toJSON {
          inherit (config) boot fileSystems networking systemd users services environment;
          inherit (config.system) stateVersion;
        });
      in
      if failed != [ ] then
        throw "\nFailed assertions:\n${builtins.concatStringsSep "\n" (map (x: "- ${x}") failed)}"
      else builtins.foldl' (s: w: builtins.trace "evaluation warning: ${w}" s) system config.warnings;
  })

  # nixos/modules/system/boot/kernel.nix
  ({ config, lib, pkgs, ... }: {
    _file = "nixos/modules/system/boot/kernel.nix";
    options.boot.kernelParams = lib.mkOption {
      type = lib.types.listOf (lib.types.strMatching ''([^"[:space:]]|"[^"]*")+'' // {
        name = "kernelParam";
        description = "string, with spaces inside double quotes";
      });
      default = [ ];
    };
    options.boot.consoleLogLevel = lib.mkOption {
      type = lib.types.int;
      default = 4;
    };
    options.boot.initrd.availableKernelModules = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
    options.boot.initrd.kernelModules = lib.mkOption {
      type = lib.types.listOf lib.types.str;
      default = [ ];
    };
    config.system.build.kernel = pkgs.linux; # config.boot.kernelPackages.kernel
    config.boot.kernelParams = [ "loglevel=${toString config.boot.consoleLogLevel}" ];
  })

  # nixos/modules/system/boot/stage-1.nix: neededForBoot (extends
  # fileSystems), the initrd, and the root file system assertion.
  ({ config, lib, pkgs, ... }: {
    _file = "nixos/modules/system/boot/stage-1.nix";
    options.fileSystems = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule {
        options.neededForBoot = lib.mkOption {
          default = false;
          type = lib.types.bool;
        };
      });
    };
    config.system.build.initialRamdisk = pkgs.writeText "initrd-fake"
      (builtins.toJSON (config.boot.initrd.availableKernelModules ++ config.boot.initrd.kernelModules));
    config.assertions = [
      {
        assertion = builtins.any (fs: fs.mountPoint == "/") (builtins.attrValues config.fileSystems);
        message = "The ‘fileSystems’ option does not specify your root file system.";
      }
    ];
  })

  # nixos/modules/tasks/filesystems.nix
  ({ config, lib, ... }:
    let
      addCheckDesc = desc: elemType: check:
        lib.types.addCheck elemType check // { description = "${elemType.description} (with check: ${desc})"; };
      isNonEmpty = s: (builtins.match "[ \t\n]*" s) == null;
      nonEmptyStr = addCheckDesc "non-empty" lib.types.str isNonEmpty;
      nonEmptyWithoutTrailingSlash = addCheckDesc "non-empty without trailing slash" lib.types.str
        (s: isNonEmpty s && (builtins.match ".+/" s) == null);
      specialFSTypes = [ "proc" "sysfs" "tmpfs" "ramfs" "devtmpfs" "devpts" ];
      # nixos/lib/utils.nix
      pathsNeededForBoot = [ "/" "/etc" "/nix" "/nix/store" "/usr" "/var" "/var/lib" "/var/lib/nixos" "/var/log" ];
      fsNeededForBoot = fs: fs.neededForBoot || builtins.elem fs.mountPoint pathsNeededForBoot;

      coreFileSystemOpts = { name, config, ... }: {
        options = {
          enable = lib.mkEnableOption "the filesystem mount" // { default = true; };
          mountPoint = lib.mkOption {
            type = nonEmptyWithoutTrailingSlash;
            default = name;
          };
          device = lib.mkOption {
            default = null;
            type = lib.types.nullOr nonEmptyStr;
          };
          fsType = lib.mkOption {
            default = "auto";
            type = nonEmptyStr;
          };
          options = lib.mkOption {
            default = [ "defaults" ];
            type = lib.types.nonEmptyListOf nonEmptyStr;
          };
        };
        config.device = lib.mkIf (builtins.elem config.fsType specialFSTypes) (lib.mkDefault config.fsType);
      };
      fileSystemOpts = { config, ... }: {
        config.options = lib.mkMerge [
          (lib.mkIf (fsNeededForBoot config) [ "x-initrd.mount" ])
        ];
      };
    in
    {
      _file = "nixos/modules/tasks/filesystems.nix";
      options.fileSystems = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule [ coreFileSystemOpts fileSystemOpts ]);
        apply = lib.filterAttrs (_: fs: fs.enable);
      };
    })

  # nixos/modules/tasks/network-interfaces.nix
  ({ lib, ... }: {
    _file = "nixos/modules/tasks/network-interfaces.nix";
    options.networking.hostName = lib.mkOption {
      default = "nixos"; # config.system.nixos.distroId
      type = lib.types.strMatching "^$|^[[:alnum:]]([[:alnum:]_-]{0,61}[[:alnum:]])?$";
    };
    options.networking.useDHCP = lib.mkOption {
      type = lib.types.bool;
      default = true;
    };
    options.networking.useNetworkd = lib.mkOption {
      default = false;
      type = lib.types.bool;
    };
  })

  # nixos/modules/system/boot/networkd.nix
  ({ lib, ... }:
    let
      sd = systemdLib lib;
      commonNetworkOptions = {
        enable = lib.mkOption { default = true; type = lib.types.bool; };
        matchConfig = lib.mkOption { default = { }; type = lib.types.attrsOf (unitOption lib); };
        extraConfig = lib.mkOption { default = ""; type = lib.types.lines; };
      };
      linkOptions = commonNetworkOptions // {
        linkConfig = lib.mkOption { default = { }; type = lib.types.attrsOf (unitOption lib); };
      };
      networkOptions = commonNetworkOptions // {
        networkConfig = lib.mkOption {
          default = { };
          type = lib.types.addCheck (lib.types.attrsOf (unitOption lib))
            (sd.checkUnitConfig "Network" [ (sd.assertValueOneOf "DHCP" (sd.boolValues ++ [ "ipv4" "ipv6" ])) ]);
        };
      };
    in
    {
      _file = "nixos/modules/system/boot/networkd.nix";
      options.systemd.network.enable = lib.mkOption {
        default = false;
        type = lib.types.bool;
      };
      options.systemd.network.links = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule [ { options = linkOptions; } ]);
      };
      options.systemd.network.networks = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule [ { options = networkOptions; } ]);
      };
    })

  # nixos/modules/system/boot/systemd.nix, with the service options of
  # nixos/lib/systemd-unit-options.nix (commonUnitOptions, serviceOptions).
  ({ lib, ... }:
    let
      sd = systemdLib lib;
      checkService = sd.checkUnitConfig "Service" [
        (sd.assertValueOneOf "Type" [ "exec" "simple" "forking" "oneshot" "dbus" "notify" "notify-reload" "idle" ])
        (sd.assertValueOneOf "Restart" [ "no" "on-success" "on-failure" "on-abnormal" "on-abort" "always" ])
      ];
      units = lib.types.listOf sd.unitNameType;
      serviceOptions = {
        description = lib.mkOption { default = ""; type = lib.types.singleLineStr; };
        wantedBy = lib.mkOption { default = [ ]; type = units; };
        wants = lib.mkOption { default = [ ]; type = units; };
        after = lib.mkOption { default = [ ]; type = units; };
        bindsTo = lib.mkOption { default = [ ]; type = units; };
        serviceConfig = lib.mkOption {
          default = { };
          type = lib.types.addCheck (lib.types.attrsOf (unitOption lib)) checkService;
        };
      };
    in
    {
      _file = "nixos/modules/system/boot/systemd.nix";
      options.systemd.services = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule [ { options = serviceOptions; } ]);
      };
    })

  # nixos/modules/config/system-path.nix
  ({ lib, ... }: {
    _file = "nixos/modules/config/system-path.nix";
    options.environment.systemPackages = lib.mkOption {
      type = lib.types.listOf lib.types.package;
      default = [ ];
    };
  })

  # nixos/modules/services/ttys/getty.nix
  ({ lib, ... }: {
    _file = "nixos/modules/services/ttys/getty.nix";
    options.services.getty.autologinUser = lib.mkOption {
      type = lib.types.nullOr lib.types.str;
      default = null;
    };
  })

  # nixos/modules/system/boot/loader/grub/grub.nix
  ({ lib, ... }: {
    _file = "nixos/modules/system/boot/loader/grub/grub.nix";
    options.boot.loader.grub.enable = lib.mkOption {
      default = true; # !config.boot.isContainer
      type = lib.types.bool;
    };
  })

  # nixos/modules/config/users-groups.nix: userOpts, root, and the
  # normal/system user assertion.
  ({ config, lib, pkgs, ... }:
    let
      userOpts = { name, config, ... }: {
        options = {
          name = lib.mkOption { type = lib.types.passwdEntry lib.types.str; };
          uid = lib.mkOption { type = lib.types.nullOr lib.types.int; default = null; };
          isSystemUser = lib.mkOption { type = lib.types.bool; default = false; };
          isNormalUser = lib.mkOption { type = lib.types.bool; default = false; };
          group = lib.mkOption { type = lib.types.str; default = ""; };
          shell = lib.mkOption {
            type = lib.types.nullOr (lib.types.either lib.types.shellPackage (lib.types.passwdEntry lib.types.path));
            default = pkgs.shadow;
          };
          hashedPassword = lib.mkOption {
            type = lib.types.nullOr (lib.types.passwdEntry lib.types.str);
            default = null;
          };
        };
        config = {
          name = lib.mkDefault name;
          group = lib.mkIf config.isNormalUser (lib.mkDefault "users");
        };
      };
    in
    {
      _file = "nixos/modules/config/users-groups.nix";
      options.users.users = lib.mkOption {
        default = { };
        type = lib.types.attrsOf (lib.types.submodule userOpts);
      };
      config.users.users.root = {
        uid = 0; # ids.uids.root
        group = "root";
      };
      config.assertions = lib.mapAttrsToList (n: user: {
        assertion = lib.xor (user.isSystemUser || (user.uid != null && user.uid < 1000)) user.isNormalUser;
        message = "Exactly one of users.users.${user.name}.isSystemUser and users.users.${user.name}.isNormalUser must be set.";
      }) config.users.users;
    })

  # nixos/modules/services/networking/ssh/sshd.nix: enable, the
  # authorizedKeys it adds to every user (extends users.users), and, when
  # enabled, its privilege separation user and its unit.
  ({ config, lib, ... }: {
    _file = "nixos/modules/services/networking/ssh/sshd.nix";
    options.services.openssh.enable = lib.mkOption {
      type = lib.types.bool;
      default = false;
    };
    options.users.users = lib.mkOption {
      type = lib.types.attrsOf (lib.types.submodule {
        options.openssh.authorizedKeys.keys = lib.mkOption {
          type = lib.types.listOf lib.types.singleLineStr;
          default = [ ];
        };
      });
    };
    config = lib.mkIf config.services.openssh.enable {
      users.users.sshd = {
        isSystemUser = true;
        group = "sshd";
      };
      systemd.services.sshd = {
        description = "SSH Daemon";
        wantedBy = [ "multi-user.target" ];
        after = [ "network.target" ];
      };
    };
  })
]
