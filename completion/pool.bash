# bash completion for pool(1): subcommands, their options, machine names
# (read from the state folder, no control socket needed), spec files, the
# verbs of pool mesh and the meshes of this host.
# Needs nothing of the bash-completion package; it is installed where that
# package looks for it (datadir/bash-completion/completions/pool).

_pool_commands="run up down ls egress exec cp console logs ssh check channel doctor mkpasswd mesh version help"
_pool_mesh_verbs="init ca trust grant revoke status lighthouse"

# The machines: folders under POOL_STATE_DIR (default /run/pool) whose
# names are machine names. The state root is 0755 root's, so anyone may
# list it; "channels" holds the channels' records and is no machine.
_pool_machines() {
	local root=${POOL_STATE_DIR:-/run/pool} d n
	[[ -d $root ]] || return 0
	for d in "$root"/*/; do
		[[ -d $d ]] || continue
		n=${d%/}
		n=${n##*/}
		[[ $n =~ ^[a-z][a-z0-9-]{0,31}$ && $n != channels ]] && printf '%s\n' "$n"
	done
	return 0
}

# The channels pool brought up (for --name).
_pool_channels() {
	local root=${POOL_STATE_DIR:-/run/pool} f
	for f in "$root"/channels/*; do
		[[ -e $f ]] && printf '%s\n' "${f##*/}"
	done
	return 0
}

# The meshes: folders under POOL_DATA_DIR/mesh (default /var/lib/pool;
# 0700, so only root sees them) whose names are mesh names.
_pool_meshes() {
	local root=${POOL_DATA_DIR:-/var/lib/pool} d n
	[[ $root == /* ]] || root=/var/lib/pool
	for d in "$root"/mesh/*/; do
		[[ -d $d ]] || continue
		n=${d%/}
		n=${n##*/}
		[[ $n =~ ^[a-z][a-z0-9-]{0,23}$ ]] && printf '%s\n' "$n"
	done
	return 0
}

# COMPREPLY from newline-separated candidates that start with $1.
_pool_reply() {
	local cur=$1 w
	shift
	while IFS= read -r w; do
		[[ -n $w && $w == "$cur"* ]] && COMPREPLY+=("$w")
	done <<<"$*"
}

# Files for $1: with $2 "specs", folders and *.yaml, *.yml, *.json only.
_pool_files() {
	local cur=$1 specs=$2 f
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		[[ -n $f ]] || continue
		if [[ -d $f || $specs != specs ]]; then
			COMPREPLY+=("$f")
		else
			case $f in *.yaml | *.yml | *.json) COMPREPLY+=("$f") ;; esac
		fi
	done < <(compgen -f -- "$cur")
}

_pool_dirs() {
	local f
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		[[ -n $f ]] && COMPREPLY+=("$f")
	done < <(compgen -d -- "$1")
}

_pool() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev="" cmd="" i w nargs=0 dashes=0 opts
	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
	# "--opt=VALUE": bash splits it at '=' into "--opt" "=" "VALUE".
	if [[ $cur == "=" ]]; then
		prev=${COMP_WORDS[COMP_CWORD - 1]}
		cur=""
	elif [[ $prev == "=" ]] && ((COMP_CWORD > 1)); then
		prev=${COMP_WORDS[COMP_CWORD - 2]}
	fi
	# "HOST:PORT" (-p, --listen): bash splits it at ':' too; inside one
	# there is nothing to offer.
	[[ $cur == ":" || $prev == ":" ]] && return 0

	if ((COMP_CWORD == 1)); then
		if [[ $cur == -* ]]; then
			_pool_reply "$cur" "--help
--version"
		else
			_pool_reply "$cur" "${_pool_commands// /$'\n'}"
		fi
		return 0
	fi
	cmd=${COMP_WORDS[1]}

	# What came before the word: positional arguments, and "--".
	for ((i = 2; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		--) dashes=1; break ;;
		= | :) ;;
		--spec | --allow-path | --network | --env-file | -e | -w | --timeout | -i | --name | --uplink | --subnet | \
			-p | --publish | --ip | --listen | --groups)
			((i++)) ;;
		-*) ;;
		*) [[ ${COMP_WORDS[i - 1]} == "=" || ${COMP_WORDS[i - 1]} == ":" ]] || ((nargs++)) ;;
		esac
	done
	if ((dashes)); then
		compopt -o default 2>/dev/null	# the command: whatever bash offers
		return 0
	fi

	# The value of an option.
	case $prev in
	--spec) _pool_files "$cur" specs; return 0 ;;
	--env-file | -i) _pool_files "$cur" ""; return 0 ;;
	--allow-path) _pool_dirs "$cur"; return 0 ;;
	--network) _pool_reply "$cur" "none"; return 0 ;;
	--uplink) _pool_reply "$cur" "auto
$(ls /sys/class/net 2>/dev/null)"; return 0 ;;
	--name) _pool_reply "$cur" "$(_pool_channels)"; return 0 ;;
	-e | -w | --timeout | --subnet | -p | --publish | --ip | --listen | --groups) return 0 ;;
	esac

	case $cmd in
	run) opts="--spec --allow-path --allow-lan --network -p --publish -e --env-file -w -t -T --warm --help --" ;;
	up) opts="-d --detach --warm --spec --allow-path --allow-lan --network -p --publish --help" ;;
	check) opts="--spec --allow-path --allow-lan --network -p --publish --help" ;;
	down) opts="--timeout --help" ;;
	ls | egress) opts="--json --help" ;;
	exec) opts="-e --env-file -w -t -T --help --" ;;
	cp) opts="--help" ;;
	logs) opts="-f --follow --last --raw --help" ;;
	ssh) opts="-i --help" ;;
	channel)
		if ((nargs == 0)); then
			opts="--help"
		elif [[ ${COMP_WORDS[2]} == up ]]; then
			opts="--name --uplink --subnet --help"
		else
			opts="--name --help"
		fi ;;
	mesh)
		case ${COMP_WORDS[2]} in
		init) opts="--subnet --help" ;;
		grant) opts="--ip --groups --lighthouse --help" ;;
		lighthouse) opts="--ip --listen -d --stop --help" ;;
		*) opts="--help" ;;
		esac ;;
	*) opts="--help" ;;
	esac
	if [[ $cur == -* ]]; then
		_pool_reply "$cur" "${opts// /$'\n'}"
		return 0
	fi

	case $cmd in
	run | up | check)
		if ((nargs == 0)); then
			_pool_files "$cur" specs
		elif [[ $cmd == run ]]; then
			compopt -o default 2>/dev/null	# the command
		fi ;;
	exec)
		if ((nargs == 0)); then
			_pool_reply "$cur" "$(_pool_machines)"
		else
			compopt -o default 2>/dev/null	# the command
		fi ;;
	cp)	# NAME: or a host path, for each of the two
		compopt -o default 2>/dev/null
		[[ $cur == */* ]] || _pool_reply "$cur" "$(_pool_machines | sed 's/$/:/')" ;;
	down | egress | console | logs | ssh)
		((nargs == 0)) && _pool_reply "$cur" "$(_pool_machines)" ;;
	mesh)
		if ((nargs == 0)); then
			_pool_reply "$cur" "${_pool_mesh_verbs// /$'\n'}"
		elif ((nargs == 1)); then
			_pool_reply "$cur" "$(_pool_meshes)"
		elif ((nargs == 2)); then
			case ${COMP_WORDS[2]} in
			trust) _pool_files "$cur" "" ;;
			grant | revoke) _pool_dirs "$cur" ;;
			esac
		fi ;;
	channel)
		((nargs == 0)) && _pool_reply "$cur" "up
down
status" ;;
	esac
	return 0
}

complete -F _pool pool
