# bash completion for e2e(1)                               -*- shell-script -*-
# Needs bash-completion (_init_completion, _filedir, _command_offset).

_e2e()
{
	local cur prev words cword split
	_init_completion -s || return

	local cmd=${words[1]-} i opts
	# Options every command takes (the common options of src/cmd.h).
	local common='
		--routes -o --output --db -f --format --out --errors --compare-baseline
		--baseline-dir -b --baseline -t --threshold --min-delta-ms --fail-on
		--rules --compact --always -h --help
	'

	if ((cword == 1)); then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W '-h --help -V --version' -- "$cur"))
		else
			COMPREPLY=($(compgen -W 'perf-profile perf-report perf-ab perf-replay mark push store help' -- "$cur"))
		fi
		return
	fi

	# After "--" comes the wrapped command and its own arguments.
	if [[ $cmd == perf-profile || $cmd == perf-ab ]]; then
		for ((i = 2; i < cword; i++)); do
			if [[ ${words[i]} == -- ]]; then
				_command_offset $((i + 1))
				return
			fi
		done
	fi

	case $cmd in
	help)
		((cword == 2)) && COMPREPLY=($(compgen -W 'perf-profile perf-report perf-ab perf-replay mark push store' -- "$cur"))
		return
		;;
	perf-profile)
		opts="$common
			--gate-tests
			-s --service --target --listen --env --duration --upstream-timeout
			--preserve-host --insecure --max-header-bytes --repeat --confirm --import --host --redact-command --set-baseline -q --quiet
			--serve --serve-timeout --serve-grace --watch-pid --watch-cgroup --sample-hz --junit --store --baseline-from
			--profile-cpu --profile-hz --profile-call-graph --profile-endpoints
		"
		;;
	perf-ab)
		opts="$common
			-s --service --a --b --rounds --serve-a --serve-b --serve-timeout --set-baseline -q --quiet
		"
		;;
	mark)
		if ((cword == 2)); then
			COMPREPLY=($(compgen -W 'start end' -- "$cur"))
			return
		fi
		opts="
			--status -h --help
		"
		;;
	perf-replay)
		opts="$common
			-s --service --target --from-run --import --rate --profile --duration --max-in-flight
			--timeout --keep-cookies --insecure --set-baseline -q --quiet
		"
		;;
	perf-report)
		opts="$common
			--gate-tests --junit
			-s --service --run --runs --list --trend --days --changes --metric --last
			--branch --show-paths --prune --keep --older-than --set-baseline -q --quiet --store --baseline-from
		"
		;;
	push)
		opts="--store -s --service -o --output --db -q --quiet -h --help"
		;;
	store)
		if ((cword == 2)); then
			COMPREPLY=($(compgen -W 'init' -- "$cur"))
			return
		fi
		opts="--store --writer-role --reader-role -q --quiet -h --help"
		;;
	*)
		return
		;;
	esac

	# Values of the options that take one (shared by the commands).
	case $prev in
	-f | --format)
		COMPREPLY=($(compgen -W 'text json markdown html csv junit github gitlab-codequality' -- "$cur"))
		return
		;;
	--status)
		COMPREPLY=($(compgen -W 'passed failed skipped error xfailed xpassed' -- "$cur"))
		return
		;;
	--fail-on)
		COMPREPLY=($(compgen -W 'warning critical never' -- "$cur"))
		return
		;;
	--errors)
		COMPREPLY=($(compgen -W '5xx 4xx' -- "$cur"))
		return
		;;
	--run)
		COMPREPLY=($(compgen -W 'latest' -- "$cur"))
		return
		;;
	--metric)
		COMPREPLY=($(compgen -W 'p50 p95 p99 mean error_rate cpu' -- "$cur"))
		return
		;;
	--profile)
		COMPREPLY=($(compgen -W 'constant ramp: spike: soak' -- "$cur"))
		[[ $cur == *:* ]] && COMPREPLY=()
		return
		;;
	--profile-call-graph)
		COMPREPLY=($(compgen -W 'fp dwarf' -- "$cur"))
		return
		;;
	--host)
		COMPREPLY=($(compgen -A hostname -- "$cur"))
		return
		;;
	--db | --out | --rules | --routes | --import | -b | --baseline | --junit)
		_filedir
		return
		;;
	-o | --output | --baseline-dir | --watch-cgroup)
		_filedir -d
		return
		;;
	-s | --service)
		# services that have a baseline in the default directory
		local f services=
		for f in baselines/*.json; do
			[[ -f $f ]] && f=${f##*/} && services+=" ${f%.json}"
		done
		COMPREPLY=($(compgen -W "$services" -- "$cur"))
		return
		;;
	--target | --listen | --env | --duration | --upstream-timeout | --max-header-bytes | --repeat | --confirm | --a | --b | --rounds | \
		--serve | --serve-a | --serve-b | --serve-timeout | --serve-grace | --watch-pid | --sample-hz | --profile-hz | --profile-endpoints | \
		--from-run | --rate | --max-in-flight | --timeout | \
		--runs | --days | --last | --branch | --keep | --older-than | -t | --threshold | --min-delta-ms | \
		--store | --writer-role | --reader-role | --baseline-from)
		# a free-form value: nothing to offer
		return
		;;
	esac
	$split && return

	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
} &&
	complete -F _e2e e2e

# ex: filetype=sh
