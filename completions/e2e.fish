# fish completion for e2e(1)

# No command yet: only "e2e" on the line.
function __e2e_no_command
    test (count (commandline -opc)) -eq 1
end

# The command is $argv[1] and no "--" has been typed yet.
function __e2e_using
    set -l tokens (commandline -opc)
    test (count $tokens) -ge 2; and test "$tokens[2]" = "$argv[1]"; or return 1
    not contains -- -- $tokens
end

# "e2e help " and nothing after it yet.
function __e2e_help_topic
    set -l tokens (commandline -opc)
    test (count $tokens) -eq 2; and test "$tokens[2]" = help
end

# A "perf-profile ... --" (or perf-ab) line: what follows is the wrapped
# command.
function __e2e_wrapping
    set -l tokens (commandline -opc)
    test (count $tokens) -ge 2; and contains -- "$tokens[2]" perf-profile perf-ab; and contains -- -- $tokens
end

# Completes the wrapped command and its arguments.
function __e2e_wrapped
    set -l tokens (commandline -opc)
    set -l i (contains -i -- -- $tokens)
    set -l line (string escape -- $tokens[(math $i + 1)..-1]) (commandline -ct)
    complete --do-complete="$line"
end

# Services that have a baseline in the default baseline directory.
function __e2e_services
    for f in baselines/*.json
        basename $f .json
    end
end

complete -c e2e -f

# e2e
complete -c e2e -n __e2e_no_command -a perf-profile -d 'record the latency of every HTTP request a test suite makes'
complete -c e2e -n __e2e_no_command -a perf-report -d 'report, compare against a baseline and gate on regressions'
complete -c e2e -n __e2e_no_command -a perf-ab -d 'compare two builds on one runner, interleaved in ABBA order'
complete -c e2e -n __e2e_no_command -a mark -d 'tell perf-profile that a test of a shell suite started or ended'
complete -c e2e -n __e2e_no_command -a perf-replay -d 'replay a recorded run'"'"'s traffic as open-model load'
complete -c e2e -n __e2e_no_command -a push -d 'upload local runs to the team store (PostgreSQL)'
complete -c e2e -n __e2e_no_command -a store -d 'create or migrate the team store'
complete -c e2e -n __e2e_no_command -a help -d 'show the options of a command'
complete -c e2e -n __e2e_no_command -s h -l help -d 'show the list of commands'
complete -c e2e -n __e2e_no_command -s V -l version -d 'print the version'
complete -c e2e -n __e2e_help_topic -a 'perf-profile perf-report perf-ab perf-replay mark push store'

# every command (the common options of src/cmd.h)
for cmd in perf-profile perf-report perf-ab perf-replay
    complete -c e2e -n "__e2e_using $cmd" -l routes -r -F -d 'explicit endpoint templates (route list or OpenAPI 3 JSON)'
    complete -c e2e -n "__e2e_using $cmd" -s o -l output -x -a '(__fish_complete_directories)' -d 'data directory'
    complete -c e2e -n "__e2e_using $cmd" -l db -r -F -d 'database file'
    complete -c e2e -n "__e2e_using $cmd" -s f -l format -x -a 'text json markdown html csv junit github gitlab-codequality' -d 'report format'
    complete -c e2e -n "__e2e_using $cmd" -l out -r -F -d 'write the report to FILE instead of stdout'
    complete -c e2e -n "__e2e_using $cmd" -l errors -x -a '5xx 4xx' -d 'what counts as an error'
    complete -c e2e -n "__e2e_using $cmd" -l compare-baseline -d 'compare against the baseline and gate on regressions'
    complete -c e2e -n "__e2e_using $cmd" -l baseline-dir -x -a '(__fish_complete_directories)' -d 'baseline directory'
    complete -c e2e -n "__e2e_using $cmd" -s b -l baseline -r -F -d 'baseline file'
    complete -c e2e -n "__e2e_using $cmd" -s t -l threshold -x -d 'relative change that counts as a regression (%)'
    complete -c e2e -n "__e2e_using $cmd" -l min-delta-ms -x -d 'smallest absolute change that counts (ms)'
    complete -c e2e -n "__e2e_using $cmd" -l fail-on -x -a 'warning critical never' -d 'fail the gate at this severity'
    complete -c e2e -n "__e2e_using $cmd" -l rules -r -F -d 'rules file: per-endpoint limits and ignores (JSON)'
    complete -c e2e -n "__e2e_using $cmd" -l compact -d 'Markdown for a PR comment: only what did not pass'
    complete -c e2e -n "__e2e_using $cmd" -l always -d 'with --compact: the verdict and table even when all pass'
    complete -c e2e -n "__e2e_using $cmd" -s h -l help -d 'show this help'
end

# e2e perf-profile
complete -c e2e -n '__e2e_using perf-profile' -s s -l service -x -a '(__e2e_services)' -d 'service name the run is recorded under'
complete -c e2e -n '__e2e_using perf-profile' -l target -x -d 'upstream base URL to forward to (http or https)'
complete -c e2e -n '__e2e_using perf-profile' -l listen -x -d 'where the proxy listens (ADDR:PORT)'
complete -c e2e -n '__e2e_using perf-profile' -l env -x -a '(set -n)' -d 'also set NAME to the proxy URL for the command'
complete -c e2e -n '__e2e_using perf-profile' -l duration -x -d 'session mode: stop after DUR (e.g. 30s, 5m)'
complete -c e2e -n '__e2e_using perf-profile' -l upstream-timeout -x -d 'answer 504 when the upstream takes longer'
complete -c e2e -n '__e2e_using perf-profile' -l max-header-bytes -x -d 'largest request or response head the proxy passes'
complete -c e2e -n '__e2e_using perf-profile' -l preserve-host -d 'forward the client Host header instead of the target'
complete -c e2e -n '__e2e_using perf-profile' -l insecure -d 'do not verify the upstream TLS certificate'
complete -c e2e -n '__e2e_using perf-profile' -l repeat -x -d 'run the command N times, one run each'
complete -c e2e -n '__e2e_using perf-profile' -l confirm -x -d 're-run the command up to N times to confirm a regression'
complete -c e2e -n '__e2e_using perf-profile' -l import -r -F -d 'record a run from a HAR 1.2 file'
complete -c e2e -n '__e2e_using perf-profile' -l host -x -a '(__fish_print_hostnames)' -d '--import: only entries for HOST or HOST:PORT'
complete -c e2e -n '__e2e_using perf-profile' -l serve -x -d 'start the service under test (sh -c CMD), stop it at the end'
complete -c e2e -n '__e2e_using perf-profile' -l serve-timeout -x -d '--serve: how long the service may take to answer'
complete -c e2e -n '__e2e_using perf-profile' -l serve-grace -x -d '--serve: SIGKILL when SIGTERM has not stopped it after DUR'
complete -c e2e -n '__e2e_using perf-profile' -l watch-pid -x -a '(__fish_complete_pids)' -d 'sample the CPU and memory of PID and its descendants'
complete -c e2e -n '__e2e_using perf-profile' -l watch-cgroup -x -a '(__fish_complete_directories)' -d 'sample the CPU and memory of a cgroup v2 directory'
complete -c e2e -n '__e2e_using perf-profile' -l sample-hz -x -d 'samples per second of the service CPU and memory'
complete -c e2e -n '__e2e_using perf-profile' -l gate-tests -d "with --compare-baseline, judge each test's duration too"
complete -c e2e -n '__e2e_using perf-profile' -l junit -r -F -d "read the suite's JUnit XML results after each run"
complete -c e2e -n '__e2e_using perf-profile' -l profile-cpu -d 'profile the watched service CPU with Linux perf'
complete -c e2e -n '__e2e_using perf-profile' -l profile-hz -x -d '--profile-cpu: samples per second (default 99)'
complete -c e2e -n '__e2e_using perf-profile' -l profile-call-graph -x -a 'fp dwarf' -d '--profile-cpu: how perf walks stacks'
complete -c e2e -n '__e2e_using perf-profile' -l profile-endpoints -x -d '--profile-cpu: flame graphs of the top N endpoints'
complete -c e2e -n '__e2e_using perf-profile' -l redact-command -d 'store only the command name, none of its arguments'
complete -c e2e -n '__e2e_using perf-profile' -l set-baseline -d 'write the baseline file from this run'
complete -c e2e -n '__e2e_using perf-profile' -s q -l quiet -d 'no live progress line'
complete -c e2e -n '__e2e_using perf-profile' -l store -x -d 'also push the run to the team store (default: $E2E_STORE)'
complete -c e2e -n '__e2e_using perf-profile' -l baseline-from -x -a 'branch=main,last=10' -d 'compare against the last runs of a branch in the team store'
complete -c e2e -n __e2e_wrapping -a '(__e2e_wrapped)'

# e2e perf-report
complete -c e2e -n '__e2e_using perf-report' -s s -l service -x -a '(__e2e_services)' -d 'service to report on'
complete -c e2e -n '__e2e_using perf-report' -l run -x -a latest -d 'run id to report, or latest'
complete -c e2e -n '__e2e_using perf-report' -l runs -x -d 'merge the last N runs of the service'
complete -c e2e -n '__e2e_using perf-report' -l gate-tests -d "with --compare-baseline, judge each test's duration too"
complete -c e2e -n '__e2e_using perf-report' -l list -d 'list stored runs'
complete -c e2e -n '__e2e_using perf-report' -l trend -d 'per-endpoint p50/p95/p99 across stored runs'
complete -c e2e -n '__e2e_using perf-report' -l days -x -d 'with --trend: only runs of the last N days'
complete -c e2e -n '__e2e_using perf-report' -l changes -d 'per-endpoint change points (level shifts) across stored runs'
complete -c e2e -n '__e2e_using perf-report' -l metric -x -a 'p50 p95 p99 mean error_rate cpu' -d 'with --changes: the metric analysed'
complete -c e2e -n '__e2e_using perf-report' -l last -x -d 'with --changes: the last N runs of the service'
complete -c e2e -n '__e2e_using perf-report' -l branch -x -d 'with --changes: only runs of git branch B'
complete -c e2e -n '__e2e_using perf-report' -l show-paths -d 'list the raw paths behind every endpoint template'
complete -c e2e -n '__e2e_using perf-report' -l junit -r -F -d "attach the suite's JUnit XML results to the run"
complete -c e2e -n '__e2e_using perf-report' -l prune -d 'remove old runs (with --keep or --older-than)'
complete -c e2e -n '__e2e_using perf-report' -l keep -x -d 'with --prune: keep the newest N runs'
complete -c e2e -n '__e2e_using perf-report' -l older-than -x -d 'with --prune: remove runs older than DAYS days'
complete -c e2e -n '__e2e_using perf-report' -l set-baseline -d 'write the baseline file from the selected runs'
complete -c e2e -n '__e2e_using perf-report' -s q -l quiet -d 'no notes on stderr'
complete -c e2e -n '__e2e_using perf-report' -l store -x -d 'read the runs from the team store (default: $E2E_STORE)'
complete -c e2e -n '__e2e_using perf-report' -l baseline-from -x -a 'branch=main,last=10' -d 'with --store: compare against the last runs of a branch'

# e2e perf-ab
complete -c e2e -n '__e2e_using perf-ab' -s s -l service -x -a '(__e2e_services)' -d 'service name the runs are recorded under'
complete -c e2e -n '__e2e_using perf-ab' -l a -x -d 'base URL of build A, the baseline (http or https)'
complete -c e2e -n '__e2e_using perf-ab' -l b -x -d 'base URL of build B, judged against A'
complete -c e2e -n '__e2e_using perf-ab' -l rounds -x -d 'rounds of one A and one B run, ABBA order (default 5)'
complete -c e2e -n '__e2e_using perf-ab' -l serve-a -x -d 'start build A (sh -c CMD) before the first round, stop it after the last'
complete -c e2e -n '__e2e_using perf-ab' -l serve-b -x -d 'start build B (sh -c CMD) before the first round, stop it after the last'
complete -c e2e -n '__e2e_using perf-ab' -l serve-timeout -x -d '--serve-a, --serve-b: how long each may take to answer'
complete -c e2e -n '__e2e_using perf-ab' -l set-baseline -d 'not for perf-ab (a usage error)'
complete -c e2e -n '__e2e_using perf-ab' -s q -l quiet -d 'no progress lines on stderr'

# e2e mark
complete -c e2e -n '__e2e_using mark; and test (count (commandline -opc)) -eq 2' -a 'start end' -d 'test marker'
complete -c e2e -n '__e2e_using mark' -l status -x -a 'passed failed skipped error xfailed xpassed' -d "the test's outcome, for end"
complete -c e2e -n '__e2e_using mark' -s h -l help -d 'show the help of mark'

# e2e perf-replay
complete -c e2e -n '__e2e_using perf-replay' -s s -l service -x -a '(__e2e_services)' -d 'service the replay is recorded under'
complete -c e2e -n '__e2e_using perf-replay' -l target -x -d 'base URL of the service to send the load to'
complete -c e2e -n '__e2e_using perf-replay' -l from-run -x -d 'replay the mix of stored run ID (bodiless requests)'
complete -c e2e -n '__e2e_using perf-replay' -l import -r -F -d 'replay the requests of a HAR file (with bodies)'
complete -c e2e -n '__e2e_using perf-replay' -l rate -x -d 'requests per second (constant and soak profiles)'
complete -c e2e -n '__e2e_using perf-replay' -l profile -x -a 'constant ramp: spike: soak' -d 'how the rate changes over time'
complete -c e2e -n '__e2e_using perf-replay' -l duration -x -d 'how long to send (soak default: 1h)'
complete -c e2e -n '__e2e_using perf-replay' -l max-in-flight -x -d 'skip (and count) an arrival while N requests are outstanding'
complete -c e2e -n '__e2e_using perf-replay' -l timeout -x -d 'a request without progress for DUR is a timeout'
complete -c e2e -n '__e2e_using perf-replay' -l keep-cookies -d '--import: send the Cookie headers of the HAR too'
complete -c e2e -n '__e2e_using perf-replay' -l insecure -d 'do not verify the target TLS certificate'
complete -c e2e -n '__e2e_using perf-replay' -l set-baseline -d 'write the baseline file from this replay'
complete -c e2e -n '__e2e_using perf-replay' -s q -l quiet -d 'no replay summary'

# e2e push
complete -c e2e -n '__e2e_using push' -l store -x -d 'the team store (default: $E2E_STORE)'
complete -c e2e -n '__e2e_using push' -s s -l service -x -a '(__e2e_services)' -d 'only the runs of this service'
complete -c e2e -n '__e2e_using push' -s o -l output -x -a '(__fish_complete_directories)' -d 'data directory'
complete -c e2e -n '__e2e_using push' -l db -r -F -d 'database file'
complete -c e2e -n '__e2e_using push' -s q -l quiet -d 'no line per run on stderr'
complete -c e2e -n '__e2e_using push' -s h -l help -d 'show this help'

# e2e store
complete -c e2e -n '__e2e_using store' -a init -d 'create or migrate the schema and roles'
complete -c e2e -n '__e2e_using store' -l store -x -d 'the team store (default: $E2E_STORE)'
complete -c e2e -n '__e2e_using store' -l writer-role -x -d 'role that may only insert and read (default: e2e_writer)'
complete -c e2e -n '__e2e_using store' -l reader-role -x -d 'role that may only read (default: e2e_reader)'
complete -c e2e -n '__e2e_using store' -s q -l quiet -d 'nothing on stderr when it worked'
complete -c e2e -n '__e2e_using store' -s h -l help -d 'show this help'
