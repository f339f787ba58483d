# SPDX-License-Identifier: GPL-2.0
# bash completion for mnmapctl
_mnmapctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} i obj= cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-n|--netns|-b|--batch|--etcd) ((i++)) ;;
		-*) ;;
		*) if [[ -z $obj ]]; then obj=${COMP_WORDS[i]}; elif [[ -z $cmd ]]; then cmd=${COMP_WORDS[i]}; fi ;;
		esac
	done
	case ${COMP_WORDS[COMP_CWORD-1]} in
	-n|--netns) COMPREPLY=($(compgen -W "$(ip netns list 2>/dev/null | cut -d' ' -f1)" -- "$cur")); return ;;
	-b|--batch) COMPREPLY=($(compgen -f -- "$cur")); return ;;
	dev|uplink|vxlan) COMPREPLY=($(compgen -W "none $(ls /sys/class/net)" -- "$cur")); return ;;
	setup|teardown) [[ $obj == container ]] && COMPREPLY=($(compgen -W "$(ip netns list 2>/dev/null | cut -d' ' -f1)" -- "$cur")); return ;;
	state) [[ $obj == endpoint ]] && COMPREPLY=($(compgen -W "up down" -- "$cur")); return ;;
	endpoint) [[ $obj == map || $obj == container ]] && COMPREPLY=($(compgen -W "$(mnmapctl -j endpoint show 2>/dev/null | grep -o '"name":"[^"]*"' | cut -d'"' -f4)" -- "$cur")); return ;;
	esac
	if [[ -z $obj ]]; then
		COMPREPLY=($(compgen -W "endpoint map host stats flow monitor save flush container help -j -p -n -b -c -f -V --etcd" -- "$cur"))
	elif [[ -z $cmd ]]; then
		case $obj in
		endpoint) COMPREPLY=($(compgen -W "add set del show help" -- "$cur")) ;;
		map) COMPREPLY=($(compgen -W "add set del show flush help" -- "$cur")) ;;
		flow) COMPREPLY=($(compgen -W "show flush help" -- "$cur")) ;;
		host) COMPREPLY=($(compgen -W "set show help" -- "$cur")) ;;
		stats) COMPREPLY=($(compgen -W "show help" -- "$cur")) ;;
		container) COMPREPLY=($(compgen -W "setup teardown help" -- "$cur")) ;;
		esac
	else
		case $obj in
		endpoint) COMPREPLY=($(compgen -W "mac dev vtep tenant state" -- "$cur")) ;;
		map) COMPREPLY=($(compgen -W "tcp udp icmp endpoint weight tenant counters" -- "$cur")) ;;
		host) COMPREPLY=($(compgen -W "uplink vxlan vtep gateway" -- "$cur")) ;;
		flow) [[ $cmd == show ]] && COMPREPLY=($(compgen -W "tcp udp icmp tenant" -- "$cur")) ;;
		container) [[ $cmd == setup ]] && COMPREPLY=($(compgen -W "endpoint" -- "$cur")) ;;
		esac
	fi
}
complete -F _mnmapctl mnmapctl
