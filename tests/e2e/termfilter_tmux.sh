#!/bin/sh
# termfilter_tmux.sh - pool's terminal filter in front of a real terminal.
#
# A file of hostile guest bytes (OSC 52 with a payload, DA1, DA2, CPR,
# XTVERSION, an OSC colour query, mouse reporting) plus coloured text and
# a title goes to a tmux pane that accepts OSC 52 (set-clipboard on),
# once unfiltered (the control) and twice through the filter (whole, and
# one byte at a time). What the pane typed back into its own input is
# read by cat in the pane, raw; the clipboard is tmux's paste buffer.
#
# The control must set the buffer and get the replies; through the
# filter there must be neither, while the colours, the text and the
# title still arrive and mouse reporting is off again at the end.
#
# usage: tests/e2e/termfilter_tmux.sh [BUILD_DIR]   (default: build)
# Needs tmux; each run uses its own tmux server (-S, a socket in a
# temporary directory), killed at the end.
set -eu

build=${1:-build}
filter=$build/tests/termfilter_cat
[ -x "$filter" ] || { echo "termfilter_tmux: no $filter (ninja -C $build first)" >&2; exit 2; }
command -v tmux >/dev/null || { echo "termfilter_tmux: tmux not installed" >&2; exit 2; }
filter=$(cd "$(dirname "$filter")" && pwd)/$(basename "$filter")

dir=$(mktemp -d)
servers=
cleanup() {
	for s in $servers; do
		tmux -S "$s" kill-server 2>/dev/null || :
	done
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

esc=$(printf '\033')
printf 'set -g set-clipboard on\n' >"$dir/tmux.conf"
{
	printf 'before\r\n'
	printf '\033[31mred\033[0m \033[38;2;0;128;255mblue\033[0m\r\n'
	printf '\033]52;c;%s\a' "$(printf POOLCLIP | base64)"	# clipboard
	printf '\033[c\033[>c\033[6n\033[>q\033]11;?\a'	# DA1 DA2 CPR XTVERSION bg colour
	printf '\033[?1000h'				# mouse reporting on
	printf '\033]2;pool-title\a'
	printf 'after\r\n'
} >"$dir/hostile"

fails=0
check() {	# check WHAT CONDITION...
	what=$1
	shift
	if "$@"; then
		echo "ok   $what"
	else
		echo "FAIL $what"
		fails=$((fails + 1))
	fi
}

# run NAME FILTER-ARGS: show the file in a fresh pane; leave
# NAME.reply (what the pane's input got), NAME.buffer, NAME.screen,
# NAME.title, NAME.mouse in $dir.
run() {
	name=$1
	shift
	sock=$dir/$name.sock
	servers="$servers $sock"
	tmux -S "$sock" -f "$dir/tmux.conf" new-session -d -s t -x 100 -y 20 \
		"stty raw -echo; '$filter' $* '$dir/hostile';
		 timeout --foreground 2 cat >'$dir/$name.reply'; stty sane;
		 touch '$dir/$name.done'; sleep 60"
	i=0
	while [ ! -e "$dir/$name.done" ]; do
		i=$((i + 1))
		[ $i -le 100 ] || { echo "termfilter_tmux: $name: the pane did not finish" >&2; exit 1; }
		sleep 0.1
	done
	tmux -S "$sock" show-buffer >"$dir/$name.buffer" 2>/dev/null || : >"$dir/$name.buffer"
	tmux -S "$sock" capture-pane -p -e -t t >"$dir/$name.screen"
	tmux -S "$sock" display -p -t t '#{pane_title}' >"$dir/$name.title"
	tmux -S "$sock" display -p -t t '#{mouse_any_flag}' >"$dir/$name.mouse"
	tmux -S "$sock" kill-server
	echo "--- $name: reply: $(cat -v "$dir/$name.reply")"
	echo "--- $name: buffer: $(cat -v "$dir/$name.buffer")"
	echo "--- $name: title: $(cat "$dir/$name.title"), mouse reporting: $(cat "$dir/$name.mouse")"
	echo "--- $name: screen:"
	grep -v '^$' "$dir/$name.screen" | cat -v
}

has() { grep -qF -- "$2" "$dir/$1"; }
empty() { [ ! -s "$dir/$1" ]; }
is() { [ "$(cat "$dir/$1")" = "$2" ]; }

run raw --raw
check "control: OSC 52 sets tmux's buffer" is raw.buffer POOLCLIP
check "control: DA1 is answered into the pane's input" has raw.reply "${esc}[?1;2c"
check "control: DA2 is answered into the pane's input" has raw.reply "${esc}[>84;0;0c"
check "control: CPR is answered into the pane's input" has raw.reply "${esc}[3;1R"
check "control: XTVERSION is answered into the pane's input" has raw.reply "$esc"'P>|tmux'
check "control: mouse reporting stays on" is raw.mouse 1

for how in whole bytes; do
	if [ $how = whole ]; then run $how; else run $how --chunk 1; fi
	check "$how: no buffer set" empty $how.buffer
	check "$how: nothing typed into the pane's input" empty $how.reply
	check "$how: the text arrives" has $how.screen before
	check "$how: the text arrives" has $how.screen after
	check "$how: red arrives" has $how.screen "${esc}[31mred"
	check "$how: truecolour arrives" has $how.screen "${esc}[38;2;0;128;255mblue"
	check "$how: the title arrives" is $how.title pool-title
	check "$how: mouse reporting is off again" is $how.mouse 0
done

if [ $fails -gt 0 ]; then
	echo "termfilter_tmux: $fails failed"
	exit 1
fi
echo "termfilter_tmux: all passed"
