# tests/nix/fake-nixpkgs/lib.nix - a tiny stand-in for nixpkgs' lib, for
# evaluating pool's flake offline. It is NOT NixOS: options nobody declares
# are merged free-form (a typo in a NixOS option name passes here), and only
# the few `types` pool uses exist. What it does check: pool's own option
# declarations, their defaults, mkIf/mkDefault/mkForce/mkMerge, and that
# equal-priority definitions of one value agree.
let
  inherit (builtins) attrNames concatLists filter foldl' isAttrs isList isFunction
    functionArgs intersectAttrs listToAttrs map head tail length all any elem;

  # --- the handful of lib functions pool's Nix files use ---------------
  optionalAttrs = c: a: if c then a else { };
  optional = c: x: if c then [ x ] else [ ];
  optionals = c: xs: if c then xs else [ ];
  concatStringsSep = builtins.concatStringsSep;
  mapAttrs = builtins.mapAttrs;
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  isDerivation = x: isAttrs x && (x.type or null) == "derivation";

  # --- properties -------------------------------------------------------
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkDefault = mkOverride 1000;
  mkOptionDefault = mkOverride 1500;
  mkForce = mkOverride 50;
  mkOption = attrs: attrs // { _type = "option"; };
  mkEnableOption = what: mkOption { type = types.bool; default = false; description = "Whether to enable ${what}."; };
  isOption = x: isAttrs x && (x._type or null) == "option";

  # --- types: a name and a check; lists concatenate, the rest must agree ---
  mkType = name: check: { _type = "type"; inherit name check; list = false; };
  types = rec {
    str = mkType "string" builtins.isString;
    lines = str;
    int = mkType "signed integer" builtins.isInt;
    bool = mkType "boolean" builtins.isBool;
    path = mkType "path" (x: builtins.isPath x || builtins.isString x);
    package = mkType "package" isDerivation;
    attrs = mkType "attribute set" isAttrs;
    anything = mkType "anything" (_: true);
    raw = anything;
    enum = vs: mkType "one of ${concatStringsSep ", " (map builtins.toJSON vs)}" (x: elem x vs);
    nullOr = t: mkType "null or ${t.name}" (x: x == null || t.check x);
    either = a: b: mkType "${a.name} or ${b.name}" (x: a.check x || b.check x);
    listOf = t: (mkType "list of ${t.name}" (x: isList x && all t.check x)) // { list = true; };
    attrsOf = t: mkType "attribute set of ${t.name}" (x: isAttrs x && all (n: t.check x.${n}) (attrNames x));
  };

  # --- the module system ---------------------------------------------------
  showPath = p: concatStringsSep "." p;

  # A module is a path, a function or an attribute set; imports are followed.
  collect = args: m:
    let
      f = if builtins.isPath m || builtins.isString m then import m else m;
      v = if isFunction f then f (intersectAttrs (functionArgs f) args) else f;
      structured = v ? options || v ? config;
      rest = removeAttrs v [ "imports" "options" "config" "_file" "key" "meta" "disabledModules" ];
      self = {
        options = v.options or { };
        config = if structured then v.config or { } else rest;
      };
    in
    [ self ] ++ concatLists (map (collect args) (v.imports or [ ]));

  # Push properties down so that a definition's attribute names are known
  # without evaluating any mkIf condition (as lib/modules.nix does).
  pushDown = def:
    if isAttrs def && (def._type or null) == "merge" then concatLists (map pushDown def.contents)
    else if isAttrs def && elem (def._type or null) [ "if" "override" ] then
      map (d: if isPlainSet d then mapAttrs (_: v: def // { content = v; }) d else def // { content = d; })
        (pushDown def.content)
    else [ def ];

  isPlainSet = d: isAttrs d && !(d ? _type) && !isDerivation d;

  # Resolve a leaf: drop false mkIfs, keep the highest priority, then merge.
  resolve = path: defs: decl:
    let
      strip = d:
        if isAttrs d && (d._type or null) == "if" then
          (if d.condition then strip d.content else [ ])
        else if isAttrs d && (d._type or null) == "merge" then concatLists (map strip d.contents)
        else if isAttrs d && (d._type or null) == "override" then
          map (x: { priority = d.priority; value = x.value; }) (strip d.content)
        else [ { priority = 100; value = d; } ];
      all' = concatLists (map strip defs);
      best = foldl' (p: d: if d.priority < p then d.priority else p) 9999 all';
      top = map (d: d.value) (filter (d: d.priority == best) all');
      type = if decl != null then decl.type or types.anything else null;
      isListy = if type != null then type.list else all isList top;
      value =
        if isListy then concatLists top
        else if length (unique top) == 1 then head top
        else throw "fake nixpkgs: the option `${showPath path}' has conflicting definitions";
      checked =
        if type != null && !(type.check value)
        then throw "fake nixpkgs: the option `${showPath path}' is not of type ${type.name}"
        else value;
    in
    if top == [ ] then
      (if decl != null && decl ? default then decl.default
       else throw "fake nixpkgs: the option `${showPath path}' is used but not defined")
    else checked;

  merge = path: defs: decls:
    let
      decl = if isOption decls then decls else null;
      pushed = concatLists (map pushDown defs);
      sets = filter isPlainSet pushed;
      leaves = filter (d: !(isPlainSet d)) pushed;
      names = unique (concatLists (map attrNames sets) ++ attrNames decls);
    in
    if decl != null then resolve path pushed decl
    else if leaves != [ ] && sets == [ ] && decls == { } then resolve path leaves null
    else if leaves != [ ] then
      throw "fake nixpkgs: `${showPath path}' is defined both as an attribute set and as a value"
    else
      genAttrs names (n:
        merge (path ++ [ n ])
          (concatLists (map (s: if s ? ${n} then [ s.${n} ] else [ ]) sets))
          (decls.${n} or { }));

  # Merge option declarations of all modules into one tree.
  mergeDecls = foldl' (acc: o:
    acc // mapAttrs (n: v:
      if acc ? ${n} && !(isOption v) && !(isOption acc.${n})
      then mergeDecls [ acc.${n} v ] else v) o) { };

  evalModules = { modules, specialArgs ? { }, pkgsFor ? (_: { }) }:
    let
      args = specialArgs // { inherit config lib options; pkgs = pkgsFor config; };
      all' = concatLists (map (collect args) modules);
      options = mergeDecls (map (m: m.options) all');
      config = merge [ ] (map (m: m.config) all') options;
    in
    { inherit config options; pkgs = args.pkgs; _type = "configuration"; };

  lib = {
    inherit mkIf mkMerge mkOverride mkDefault mkOptionDefault mkForce mkOption mkEnableOption
      types evalModules optionalAttrs optional optionals concatStringsSep mapAttrs genAttrs
      isDerivation unique;
    inherit (builtins) toJSON attrNames filter map elem length head;
    makeBinPath = ps: concatStringsSep ":" (map (p: "${p}/bin") ps);
    licenses.mit = { spdxId = "MIT"; };
    platforms.linux = [ "x86_64-linux" "aarch64-linux" ];
    strings = { inherit concatStringsSep; };
    attrsets = { inherit optionalAttrs mapAttrs genAttrs; };
    lists = { inherit optional optionals unique; };
  };
in
lib
