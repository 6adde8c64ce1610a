# tests/nix/fake-nixpkgs/lib.nix - a small stand-in for nixpkgs' lib, for
# evaluating pool's flake offline, with a real option checker: the module
# system of nixpkgs' lib/modules.nix and the option types of lib/types.nix,
# reduced to what pool's modules and the NixOS stand-in (nixos.nix) use, and
# failing where NixOS fails:
#   - a definition of an option nobody declares is an error naming it
#     ("The option `networking.hostname' does not exist."), for the whole
#     configuration as soon as any of it is read, and in submodules
#     (users.users.<name>, fileSystems.<name>, systemd.services.<name>);
#   - each definition is checked against its option's type ("A definition for
#     option `x' is not of type `boolean'.");
#   - definitions from several modules are merged as the type says (lists
#     concatenate, attribute sets merge by name, submodules merge as modules,
#     str/bool/int must agree, package must be unique), after mkIf, mkMerge,
#     mkOverride (mkDefault, mkForce, option defaults) and mkOrder;
#   - an option declared twice merges only if its types do (submodules
#     extend each other, as sshd.nix extends users.users); readOnly options
#     take one definition.
# Not here: freeformType, option renames/aliases, `options.*.declarations`
# as paths, documentation attributes (they are accepted and ignored).
let
  inherit (builtins) attrNames attrValues concatLists concatStringsSep elem elemAt filter foldl'
    functionArgs genList head tail isAttrs isBool isFunction isInt isList isPath isString length
    listToAttrs map mapAttrs match substring stringLength toJSON typeOf zipAttrsWith;

  # --- lib.lists / lib.attrsets / lib.strings, the part used ----------------
  optional = c: x: if c then [ x ] else [ ];
  optionals = c: xs: if c then xs else [ ];
  optionalAttrs = c: a: if c then a else { };
  optionalString = c: s: if c then s else "";
  concatMap = f: l: concatLists (map f l);
  concatMapStringsSep = sep: f: l: concatStringsSep sep (map f l);
  genAttrs = names: f: listToAttrs (map (n: { name = n; value = f n; }) names);
  filterAttrs = pred: set: listToAttrs (concatMap (name:
    let v = set.${name}; in if pred name v then [ { inherit name; value = v; } ] else [ ]) (attrNames set));
  mapAttrsToList = f: set: map (n: f n set.${n}) (attrNames set);
  unique = foldl' (acc: x: if elem x acc then acc else acc ++ [ x ]) [ ];
  last = l: elemAt l (length l - 1);
  take = n: l: genList (i: elemAt l i) (if n < length l then n else length l);
  imap1 = f: l: genList (i: f (i + 1) (elemAt l i)) (length l);
  toList = x: if isList x then x else [ x ];
  flip = f: a: b: f b a;
  id = x: x;
  xor = a: b: a != b;
  min = a: b: if a < b then a else b;
  hasPrefix = pre: s: substring 0 (stringLength pre) s == pre;
  hasSuffix = suf: s:
    let ls = stringLength s; lf = stringLength suf;
    in lf <= ls && substring (ls - lf) lf s == suf;
  removeSuffix = suf: s:
    if hasSuffix suf s then substring 0 (stringLength s - stringLength suf) s else s;
  hasInfix = infix: s: length (builtins.split (escapeRegex infix) "${s}") > 1;
  escapeRegex = s: builtins.replaceStrings
    [ "\\" "[" "]" "{" "}" "(" ")" "^" "$" "*" "+" "?" "." "|" ]
    [ "\\\\" "\\[" "\\]" "\\{" "\\}" "\\(" "\\)" "\\^" "\\$" "\\*" "\\+" "\\?" "\\." "\\|" ] s;
  isDerivation = x: isAttrs x && (x.type or null) == "derivation";
  isStringLike = x: isString x || isPath x || x ? outPath || x ? __toString;
  isStorePath = x:
    isStringLike x && (let s = toString x; in substring 0 1 s == "/" && dirOf s == builtins.storeDir);
  makeBinPath = ps: concatStringsSep ":" (map (p: "${p}/bin") ps);

  # --- printing, as lib/options.nix shows options and definitions ------------
  escapeNixIdentifier = s: if match "[a-zA-Z_][a-zA-Z0-9_'-]*" s != null then s else toJSON s;
  showOption = parts: concatStringsSep "."
    (map (p: if elem p [ "<name>" "<name?>" "*" "<function body>" ] then p else escapeNixIdentifier p) parts);
  showFiles = files: concatStringsSep " and " (map (f: "`${f}'") files);
  pretty = depth: v:
    if isDerivation v then "<derivation ${v.name or "?"}>"
    else if isFunction v then "<function>"
    else if isString v || isInt v || isBool v || v == null then toJSON v
    else if isPath v then toString v
    else if depth > 3 then "..."
    else if isList v then "[ " + concatMapStringsSep " " (pretty (depth + 1)) v + " ]"
    else if isAttrs v then "{ " + concatStringsSep " " (mapAttrsToList (n: x:
      "${escapeNixIdentifier n} = ${pretty (depth + 1) x};") v) + " }"
    else "<${typeOf v}>";
  showDefs = defs: concatStringsSep "" (map (def:
    let shown = builtins.tryEval (pretty 0 def.value);
    in "\n- In `${def.file}'" + optionalString shown.success ": ${shown.value}") defs);
  prioritySuggestion = ''
    Use `lib.mkForce value` or `lib.mkDefault value` to change the priority on any of these definitions.
  '';

  # --- properties -------------------------------------------------------------
  mkIf = condition: content: { _type = "if"; inherit condition content; };
  mkMerge = contents: { _type = "merge"; inherit contents; };
  mkOverride = priority: content: { _type = "override"; inherit priority content; };
  mkOptionDefault = mkOverride 1500;
  mkDefault = mkOverride 1000;
  mkImageMediaOverride = mkOverride 60;
  mkForce = mkOverride 50;
  mkVMOverride = mkOverride 10;
  mkOrder = priority: content: { _type = "order"; inherit priority content; };
  mkBefore = mkOrder 500;
  mkAfter = mkOrder 1500;
  defaultOverridePriority = 100;
  defaultOrderPriority = 1000;

  # A definition with its mkIf/mkMerge taken out (lib/modules.nix dischargeProperties).
  dischargeProperties = def:
    if (def._type or "") == "merge" then concatMap dischargeProperties def.contents
    else if (def._type or "") == "if" then
      (if isBool def.condition then (if def.condition then dischargeProperties def.content else [ ])
       else throw "‘mkIf’ called with a non-Boolean condition")
    else [ def ];

  # Only the definitions of the highest priority (lowest number) count.
  filterOverrides' = defs:
    let
      getPrio = def: if (def.value._type or "") == "override" then def.value.priority else defaultOverridePriority;
      highestPrio = foldl' (prio: def: min (getPrio def) prio) 9999 defs;
      strip = def: if (def.value._type or "") == "override" then def // { value = def.value.content; } else def;
    in
    { values = concatMap (def: if getPrio def == highestPrio then [ (strip def) ] else [ ]) defs; inherit highestPrio; };

  sortProperties = defs:
    let
      strip = def: if (def.value._type or "") == "order"
        then def // { value = def.value.content; inherit (def.value) priority; } else def;
    in
    builtins.sort (a: b: (a.priority or defaultOrderPriority) < (b.priority or defaultOrderPriority)) (map strip defs);

  # mkIf/mkMerge/mkOverride around an attribute set, pushed into its
  # attributes: the names are known without evaluating any condition.
  pushDownProperties = cfg:
    if (cfg._type or "") == "merge" then concatMap pushDownProperties cfg.contents
    else if (cfg._type or "") == "if" then map (mapAttrs (n: v: mkIf cfg.condition v)) (pushDownProperties cfg.content)
    else if (cfg._type or "") == "override" then map (mapAttrs (n: v: mkOverride cfg.priority v)) (pushDownProperties cfg.content)
    else [ cfg ];

  # --- merge functions (lib/options.nix) --------------------------------------
  getValues = map (d: d.value);
  mergeEqualOption = loc: defs:
    if defs == [ ] then abort "This case should never happen."
    else if length defs == 1 then (head defs).value
    else (foldl' (first: def:
      if def.value != first.value then
        throw "The option `${showOption loc}' has conflicting definition values:${showDefs [ first def ]}\n${prioritySuggestion}"
      else first) (head defs) (tail defs)).value;
  mergeUniqueOption = { message, merge ? loc: defs: (head defs).value }: loc: defs:
    if length defs == 1 then merge loc defs
    else throw "The option `${showOption loc}' is defined multiple times while it's expected to be unique.\n${message}\nDefinition values:${showDefs defs}\n${prioritySuggestion}";
  mergeOneOption = mergeUniqueOption { message = ""; };
  mergeDefaultOption = loc: defs:
    let list = getValues defs; in
    if length list == 1 then head list
    else if builtins.all isFunction list then x: mergeDefaultOption loc (map (f: f x) list)
    else if builtins.all isList list then concatLists list
    else if builtins.all isAttrs list then foldl' (a: b: a // b) { } list
    else if builtins.all isBool list then builtins.any id list
    else if builtins.all isString list then concatStringsSep "" list
    else if builtins.all isInt list && builtins.all (x: x == head list) list then head list
    else throw "Cannot merge definitions of `${showOption loc}'. Definition values:${showDefs defs}";

  # --- types (lib/types.nix) --------------------------------------------------
  isType = t: x: (x._type or "") == t;
  isOption = isType "option";

  defaultFunctor = name: { inherit name; type = types.${name} or null; wrapped = null; payload = null; binOp = a: b: null; };

  mkOptionType =
    { name, description ? null, descriptionClass ? null, check ? (x: true), merge ? mergeDefaultOption
    , emptyValue ? { }, functor ? defaultFunctor name, nestedTypes ? { } }:
    {
      _type = "option-type";
      inherit name check merge emptyValue functor nestedTypes descriptionClass;
      description = if description == null then name else description;
    };

  # Two declarations of one option merge only if their types do (lib/types.nix
  # defaultTypeMerge): same name, then wrapped types merged, or payloads by binOp.
  typeMerge = a: b:
    let f = a.functor; f' = b.functor; in
    if f.name != f'.name then null
    else if f.wrapped == null && f.payload == null then a
    else if f.payload != null then
      (let p = f.binOp f.payload f'.payload; in if p == null then null else f.type p)
    else
      (let w = typeMerge f.wrapped f'.wrapped; in if w == null then null else f.type w);

  # How a type is named inside another's description (optionDescriptionPhrase).
  phrase = unparenthesize: t: if unparenthesize (t.descriptionClass or null) then t.description else "(${t.description})";

  # listOf, attrsOf and lazyAttrsOf: a composite type of elemType, described
  # as "WHAT of ...", whose definitions merge elemType merges.
  containerOf = name: what: check: emptyValue: merge: elemType: mkOptionType {
    inherit name check emptyValue;
    description = "${what} of ${phrase (c: c == "noun" || c == "composite") elemType}";
    descriptionClass = "composite";
    merge = merge elemType;
    functor = defaultFunctor name // { wrapped = elemType; };
    nestedTypes.elemType = elemType;
  };

  types = rec {
    raw = mkOptionType { name = "raw"; description = "raw value"; descriptionClass = "noun"; merge = mergeOneOption; };
    unspecified = mkOptionType { name = "unspecified"; description = "unspecified value"; descriptionClass = "noun"; };
    anything = mkOptionType {
      name = "anything";
      description = "anything";
      descriptionClass = "noun";
      merge = loc: defs:
        let
          getType = v: if isAttrs v && isStringLike v then "stringCoercibleSet" else typeOf v;
          commonType = foldl' (t: def: if getType def.value == t then t
            else throw "The option `${showOption loc}' has conflicting option types in ${showFiles (map (d: d.file) defs)}")
            (getType (head defs).value) defs;
          mergeFunction = {
            set = (attrsOf anything).merge;
            stringCoercibleSet = mergeOneOption;
            lambda = loc: defs: arg: anything.merge (loc ++ [ "<function body>" ])
              (map (def: { inherit (def) file; value = def.value arg; }) defs);
          }.${commonType} or mergeEqualOption;
        in
        mergeFunction loc defs;
    };

    bool = mkOptionType { name = "bool"; description = "boolean"; descriptionClass = "noun"; check = isBool; merge = mergeEqualOption; };

    int = mkOptionType { name = "int"; description = "signed integer"; descriptionClass = "noun"; check = isInt; merge = mergeEqualOption; };
    ints = rec {
      between = lowest: highest: addCheck int (x: x >= lowest && x <= highest) // {
        name = "intBetween";
        description = "integer between ${toString lowest} and ${toString highest} (both inclusive)";
      };
      u16 = addCheck int (x: x >= 0 && x <= 65535) // {
        name = "unsignedInt16";
        description = "16 bit unsigned integer; between 0 and 65535 (both inclusive)";
      };
      positive = addCheck int (x: x > 0) // { name = "positiveInt"; description = "positive integer, meaning >0"; };
    };
    port = ints.u16;

    str = mkOptionType { name = "str"; description = "string"; descriptionClass = "noun"; check = isString; merge = mergeEqualOption; };
    nonEmptyStr = mkOptionType {
      name = "nonEmptyStr"; description = "non-empty string"; descriptionClass = "noun";
      check = x: str.check x && match "[ \t\n]*" x == null;
      inherit (str) merge;
    };
    strMatching = pattern: mkOptionType {
      name = "strMatching ${toJSON pattern}";
      description = "string matching the pattern ${pattern}";
      descriptionClass = "noun";
      check = x: str.check x && match pattern x != null;
      inherit (str) merge;
      functor = defaultFunctor "strMatching" // {
        type = payload: strMatching payload.pattern;
        payload = { inherit pattern; };
        binOp = a: b: if a == b then a else null;
      };
    };
    singleLineStr =
      let inner = strMatching "[^\n\r]*\n?"; in
      mkOptionType {
        name = "singleLineStr";
        description = "(optionally newline-terminated) single-line string";
        descriptionClass = "noun";
        inherit (inner) check;
        merge = loc: defs: removeSuffix "\n" (inner.merge loc defs);
      };
    separatedString = sep: mkOptionType {
      name = "separatedString";
      description = if sep == "" then "Concatenated string" else "strings concatenated with ${toJSON sep}";
      descriptionClass = "noun";
      check = isString;
      merge = loc: defs: concatStringsSep sep (getValues defs);
      functor = defaultFunctor "separatedString" // {
        type = separatedString;
        payload = sep;
        binOp = a: b: if a == b then a else null;
      };
    };
    lines = separatedString "\n";
    passwdEntry = entryType: addCheck entryType (s: !(hasInfix ":" s || hasInfix "\n" s)) // {
      name = "passwdEntry ${entryType.name}";
      description = "${phrase (c: c == "noun") entryType}, not containing newlines or colons";
      descriptionClass = "noun";
    };

    path = mkOptionType {
      name = "path"; descriptionClass = "noun";
      check = x: isStringLike x && substring 0 1 (toString x) == "/";
      merge = mergeEqualOption;
    };
    package = mkOptionType {
      name = "package"; descriptionClass = "noun";
      check = x: isDerivation x || isStorePath x;
      merge = mergeOneOption;
    };
    shellPackage = package // {
      check = x: isDerivation x && x ? shellPath;
      name = "shellPackage";
      description = "shell package";
    };

    attrs = mkOptionType {
      name = "attrs"; description = "attribute set"; descriptionClass = "noun";
      check = isAttrs;
      merge = loc: foldl' (res: def: res // def.value) { };
      emptyValue = { value = { }; };
    };

    enum = values:
      let
        show = v: if isString v then ''"${v}"'' else if isInt v then toString v
          else if isBool v then (if v then "true" else "false") else "<${typeOf v}>";
      in
      mkOptionType {
        name = "enum";
        description =
          if values == [ ] then "impossible (empty enum)"
          else if length values == 1 then "value ${show (head values)} (singular enum)"
          else "one of ${concatMapStringsSep ", " show values}";
        descriptionClass = if length values < 2 then "noun" else "conjunction";
        check = flip elem values;
        merge = mergeEqualOption;
        functor = defaultFunctor "enum" // { type = enum; payload = values; binOp = a: b: unique (a ++ b); };
      };

    listOf = containerOf "listOf" "list" isList { value = [ ]; } (elemType: loc: defs:
      map (x: x.value) (filter (x: x ? value) (concatLists (imap1 (n: def:
        imap1 (m: v:
          (mergeDefinitions (loc ++ [ "[definition ${toString n}-entry ${toString m}]" ]) elemType
            [ { inherit (def) file; value = v; } ]).optionalValue) def.value) defs))));
    nonEmptyListOf = elemType:
      let list = addCheck (listOf elemType) (l: l != [ ]); in
      list // {
        description = "non-empty ${phrase (c: c == "noun") list}";
        emptyValue = { };
        functor = list.functor // { name = "nonEmptyListOf"; type = nonEmptyListOf; };
      };

    attrsOf = containerOf "attrsOf" "attribute set" isAttrs { value = { }; } (elemType: loc: defs:
      mapAttrs (n: v: v.value) (filterAttrs (n: v: v ? value) (zipAttrsWith (name: defs:
        (mergeDefinitions (loc ++ [ name ]) elemType defs).optionalValue)
        (map (def: mapAttrs (n: v: { inherit (def) file; value = v; }) def.value) defs))));
    lazyAttrsOf = containerOf "lazyAttrsOf" "lazy attribute set" isAttrs { value = { }; } (elemType: loc: defs:
      zipAttrsWith (name: defs:
        let merged = mergeDefinitions (loc ++ [ name ]) elemType defs;
        in merged.optionalValue.value or elemType.emptyValue.value or merged.mergedValue)
        (map (def: mapAttrs (n: v: { inherit (def) file; value = v; }) def.value) defs));

    uniq = elemType: mkOptionType {
      name = "unique";
      inherit (elemType) description descriptionClass check;
      merge = mergeUniqueOption { message = ""; inherit (elemType) merge; };
      emptyValue = elemType.emptyValue;
      functor = defaultFunctor "unique" // { type = uniq; wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    nullOr = elemType: mkOptionType {
      name = "nullOr";
      description = "null or ${phrase (c: c == "noun" || c == "conjunction") elemType}";
      descriptionClass = "conjunction";
      check = x: x == null || elemType.check x;
      merge = loc: defs:
        let nrNulls = length (filter (def: def.value == null) defs); in
        if nrNulls == length defs then null
        else if nrNulls != 0 then
          throw "The option `${showOption loc}' is defined both null and not null, in ${showFiles (map (d: d.file) defs)}."
        else elemType.merge loc defs;
      emptyValue = { value = null; };
      functor = defaultFunctor "nullOr" // { wrapped = elemType; };
      nestedTypes.elemType = elemType;
    };

    either = t1: t2: mkOptionType {
      name = "either";
      description = "${phrase (c: c == "noun" || c == "conjunction") t1} or ${phrase (c: c == "noun" || c == "conjunction" || c == "composite") t2}";
      descriptionClass = "conjunction";
      check = x: t1.check x || t2.check x;
      merge = loc: defs:
        let vs = getValues defs; in
        if builtins.all t1.check vs then t1.merge loc defs
        else if builtins.all t2.check vs then t2.merge loc defs
        else mergeOneOption loc defs;
      functor = defaultFunctor "either" // {
        payload = [ t1 t2 ];
        binOp = a: b:
          let l = typeMerge (head a) (head b); r = typeMerge (elemAt a 1) (elemAt b 1);
          in if l == null || r == null then null else [ l r ];
        type = p: either (head p) (elemAt p 1);
      };
      nestedTypes = { left = t1; right = t2; };
    };
    oneOf = ts: foldl' either (head ts) (tail ts);

    addCheck = elemType: check: elemType // { check = x: elemType.check x && check x; };

    submodule = modules: submoduleWith { shorthandOnlyDefinesConfig = true; modules = toList modules; };
    submoduleWith = { modules, specialArgs ? { }, shorthandOnlyDefinesConfig ? false, description ? null }:
      mkOptionType {
        name = "submodule";
        description = if description != null then description else "submodule";
        descriptionClass = "noun";
        check = x: isAttrs x || isFunction x || path.check x;
        merge = loc: defs: (evalModules {
          modules = modules ++ map (def:
            if isAttrs def.value && shorthandOnlyDefinesConfig
            then { _file = def.file; config = def.value; }
            else { _file = def.file; imports = [ def.value ]; }) defs;
          specialArgs = specialArgs // { name = last loc; };
          prefix = loc;
        }).config;
        emptyValue = { value = { }; };
        functor = defaultFunctor "submoduleWith" // {
          type = submoduleWith;
          payload = { inherit modules specialArgs shorthandOnlyDefinesConfig description; };
          binOp = a: b: {
            modules = a.modules ++ b.modules;
            specialArgs = a.specialArgs // b.specialArgs;
            shorthandOnlyDefinesConfig = a.shorthandOnlyDefinesConfig && b.shorthandOnlyDefinesConfig;
            description = if a.description == null then b.description else a.description;
          };
        };
      };
  };

  # --- options (lib/options.nix) ----------------------------------------------
  mkOption = attrs: attrs // { _type = "option"; };
  mkEnableOption = name: mkOption {
    default = false;
    example = true;
    description = "Whether to enable ${name}.";
    type = types.bool;
  };

  # --- the module system (lib/modules.nix) ------------------------------------

  # One module: a path, a function or an attribute set; { file, options,
  # config, imports } with the shorthand (no options/config) read as config.
  unifyModule = args: config: { file, m }:
    let
      isFile = isPath m || isString m;
      f = if isFile then import m else m;
      file0 = if isFile then toString m else file;
      # Each named argument: from args, else from config._module.args.
      v = if isFunction f
        then f (args // mapAttrs (n: _: args.${n} or config._module.args.${n}) (functionArgs f))
        else f;
      file' = v._file or file0;
      structured = v ? config || v ? options;
      meta = [ "_file" "key" "imports" "meta" "disabledModules" "_class" ];
      extra = removeAttrs v (meta ++ [ "options" "config" ]);
    in
    if !isAttrs v then throw "The module `${file0}' is not an attribute set or a function that returns one."
    else if structured && extra != { } then
      throw "Module `${file'}' has an unsupported attribute `${head (attrNames extra)}'. This is caused by introducing a top-level `config' or `options' attribute. Add configuration attributes immediately on the top level instead, or move all of them (namely: ${concatStringsSep " " (attrNames extra)}) into the explicit `config' attribute."
    else {
      file = file';
      key = if isFile then toString m else v.key or null;
      options = v.options or { };
      config = if structured then v.config or { } else removeAttrs v meta;
      imports = map (i: { file = file'; m = i; }) (v.imports or [ ]);
    };

  # All modules, imports followed depth first; a module with a key (a file)
  # is taken once.
  collectModules = args: config: roots:
    let
      step = state: item:
        let u = unifyModule args config item; in
        if u.key != null && elem u.key state.seen then state
        else foldl' step (state // {
          seen = state.seen ++ optional (u.key != null) u.key;
          out = state.out ++ [ u ];
        }) u.imports;
    in
    (foldl' step { seen = [ ]; out = [ ]; } roots).out;

  # Declarations of all modules merged into one tree; leaves are options with
  # `declarations` (the files) and a merged type.
  mergeDeclarations = loc: decls:
    let
      opts = filter (d: isOption d.value) decls;
      subs = filter (d: !(isOption d.value)) decls;
    in
    if opts != [ ] then
      (if subs != [ ] then
        throw "The option `${showOption loc}' in module `${(head opts).file}' would be a parent of the following options, but its type `${(mergeOptionDecls loc opts).type.description or "<no description>"}' does not support nested options.\n- In `${(head subs).file}': ${concatMapStringsSep ", " (n: showOption (loc ++ [ n ])) (attrNames (head subs).value)}"
       else mergeOptionDecls loc opts)
    else
      let bad = filter (d: !isAttrs d.value) subs; in
      if bad != [ ] then throw "In `${(head bad).file}': `options.${showOption loc}' is neither an option (mkOption) nor a set of options."
      else genAttrs (unique (concatMap (d: attrNames d.value) subs)) (n:
        mergeDeclarations (loc ++ [ n ])
          (concatMap (d: if d.value ? ${n} then [ { inherit (d) file; value = d.value.${n}; } ] else [ ]) subs));

  mergeOptionDecls = loc: opts: foldl' (res: d:
    let o = d.value; in
    if (o ? default && res ? default) || (o ? example && res ? example) || (o ? description && res ? description)
      || (o ? apply && res ? apply) || (o ? type && res ? type && typeMerge res.type o.type == null)
    then throw "The option `${showOption loc}' in `${d.file}' is already declared in ${showFiles res.declarations}."
    else res // removeAttrs o [ "type" ] // {
      declarations = res.declarations ++ [ d.file ];
    } // optionalAttrs (o ? type) { type = if res ? type then typeMerge res.type o.type else o.type; })
    { _type = "option"; declarations = [ ]; inherit loc; } opts;

  # The definitions of one option, merged by its type (mergeDefinitions).
  mergeDefinitions = loc: type: defs:
    let
      defsFinal' =
        let
          discharged = concatMap (m: map (value: { inherit (m) file; inherit value; }) (dischargeProperties m.value)) defs;
          overridden = filterOverrides' discharged;
          ordered = if builtins.any (def: (def.value._type or "") == "order") overridden.values
            then sortProperties overridden.values else overridden.values;
        in
        { values = ordered; inherit (overridden) highestPrio; };
      defsFinal = defsFinal'.values;
      isDefined = defsFinal != [ ];
      invalid = filter (def: !(type.check def.value)) defsFinal;
      mergedValue =
        if !isDefined then
          throw "The option `${showOption loc}' was accessed but has no value defined. Try setting the option."
        else if invalid != [ ] then
          throw "A definition for option `${showOption loc}' is not of type `${type.description}'. Definition values:${showDefs invalid}"
        else type.merge loc defsFinal;
    in
    {
      inherit defsFinal isDefined mergedValue;
      optionalValue = if isDefined then { value = mergedValue; } else { };
    };

  evalOptionValue = loc: opt: defs:
    let
      type = opt.type or types.unspecified;
      defs' = optional (opt ? default) { file = head (opt.declarations ++ [ "<default>" ]); value = mkOptionDefault opt.default; }
        ++ defs;
      res =
        if (opt.readOnly or false) && length defs' > 1 then
          throw "The option `${showOption loc}' is read-only, but it's set multiple times. Definition values:${showDefs defs'}"
        else mergeDefinitions loc type defs';
      value = if opt ? apply then opt.apply res.mergedValue else res.mergedValue;
    in
    opt // {
      inherit value type loc;
      inherit (res) isDefined;
      definitions = map (d: d.value) res.defsFinal;
      files = map (d: d.file) res.defsFinal;
    };

  # Definitions walked along the declaration tree: options get their value,
  # names nobody declares are collected as unmatched (checked by evalModules).
  mergeNamespace = loc: decls: defs:
    let
      pushed = concatMap (d: map (v: { inherit (d) file; value = v; }) (pushDownProperties d.value)) defs;
      notSets = filter (d: !isAttrs d.value || isDerivation d.value || (d.value ? _type)) pushed;
      sets = filter (d: isAttrs d.value && !isDerivation d.value && !(d.value ? _type)) pushed;
      defsFor = n: concatMap (d: if d.value ? ${n} then [ { inherit (d) file; value = d.value.${n}; } ] else [ ]) sets;
      defined = unique (concatMap (d: attrNames d.value) sets);
      sub = mapAttrs (n: decl:
        if isOption decl then { option = evalOptionValue (loc ++ [ n ]) decl (defsFor n); }
        else { ns = mergeNamespace (loc ++ [ n ]) decl (defsFor n); }) decls;
    in
    {
      config = mapAttrs (n: s: if s ? option then s.option.value else s.ns.config) sub;
      options = mapAttrs (n: s: if s ? option then s.option else s.ns.options) sub;
      unmatched =
        map (d: { prefix = loc; inherit (d) file; value = d.value; notSet = true; }) notSets
        ++ concatMap (n:
          if !(decls ? ${n}) then [ { prefix = loc ++ [ n ]; inherit (head (defsFor n)) file value; } ]
          else if isOption decls.${n} then [ ]
          else sub.${n}.ns.unmatched) defined;
    };

  # The base module every evaluation has (lib/modules.nix): _module.args.
  moduleBase = {
    _file = "lib/modules.nix";
    options._module.args = mkOption {
      type = types.lazyAttrsOf types.raw;
      description = "Additional arguments passed to each module.";
    };
    config._module.args = { };
  };

  evalModules = { modules, specialArgs ? { }, prefix ? [ ] }:
    let
      args = { inherit lib; inherit (internal) config options; } // specialArgs;
      collected = collectModules args internal.config
        (map (m: { file = "<unknown-file>"; inherit m; }) ([ moduleBase ] ++ modules));
      decls = mergeDeclarations prefix (map (m: { inherit (m) file; value = m.options; }) collected);
      internal = mergeNamespace prefix decls (map (m: { inherit (m) file; value = m.config; }) collected);
      unmatched = internal.unmatched;
      first = head unmatched;
      checked = x:
        if unmatched == [ ] then x
        else if first.notSet or false then
          throw "A definition for `${showOption first.prefix}' in `${first.file}' is not an attribute set of options: ${pretty 0 first.value}"
        else
          throw "The option `${showOption first.prefix}' does not exist. Definition values:${showDefs [ first ]}";
      config = checked (removeAttrs internal.config [ "_module" ]);
    in
    {
      _type = "configuration";
      inherit config;
      options = checked internal.options;
      # More modules on top of the same ones (nixosSystem's extendModules).
      extendModules = ext: evalModules {
        modules = modules ++ ext.modules or [ ];
        specialArgs = specialArgs // ext.specialArgs or { };
        inherit prefix;
      };
    };

  lib = {
    inherit mkIf mkMerge mkOverride mkOptionDefault mkDefault mkImageMediaOverride mkForce mkVMOverride
      mkOrder mkBefore mkAfter mkOption mkEnableOption mkOptionType types evalModules
      mergeEqualOption mergeOneOption mergeDefaultOption mergeUniqueOption showOption showFiles
      optional optionals optionalAttrs optionalString concatMap concatMapStringsSep genAttrs filterAttrs
      mapAttrsToList unique last take imap1 toList flip id xor hasPrefix hasSuffix removeSuffix hasInfix
      isDerivation isStringLike isStorePath makeBinPath isOption isType;
    inherit (builtins) attrNames attrValues concatLists concatStringsSep elem filter foldl' head tail
      length map mapAttrs toJSON all any isAttrs isList isString isBool isInt isFunction listToAttrs;
    licenses.mit = { spdxId = "MIT"; shortName = "mit"; };
    platforms.linux = [ "x86_64-linux" "aarch64-linux" ];
    strings = { inherit concatMapStringsSep hasPrefix hasSuffix removeSuffix hasInfix; inherit (builtins) concatStringsSep; };
    attrsets = { inherit optionalAttrs genAttrs filterAttrs mapAttrsToList; inherit (builtins) mapAttrs attrNames attrValues; };
    lists = { inherit optional optionals unique last take imap1 toList; };
    options = { inherit mkOption mkEnableOption showOption showFiles mergeEqualOption mergeOneOption; };
    modules = { inherit evalModules mkIf mkMerge mkOverride mkDefault mkForce mkOrder; };
  };
in
lib
