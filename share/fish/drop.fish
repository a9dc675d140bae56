# fish completion for drop(1)
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Environment ids come from 'drop ls', profile names from the first column
# of 'drop profiles' (its second says program or fragment: fragments are
# only included, so they are not offered as programs), instance names from
# the first column of 'drop ps'.

function __drop_envs
    drop ls 2>/dev/null
end

function __drop_profiles
    drop profiles 2>/dev/null | awk 'NR > 1 && NF && !seen[$1]++ { print $1 }'
end

function __drop_programs
    drop profiles 2>/dev/null | awk 'NR > 1 && $2 == "program" && $1 != "default" && !seen[$1]++ { print $1 }'
end

function __drop_instances
    drop ps 2>/dev/null | awk 'NR > 1 && NF { print $1 }'
end

# No subcommand yet: global options, subcommands, programs with a profile.
complete -c drop -n "__fish_use_subcommand" -s q -l quiet -d "print nothing of drop's own"
complete -c drop -n "__fish_use_subcommand" -s v -l verbose -d "say more"
complete -c drop -n "__fish_use_subcommand" -l help -d "print a usage summary"
complete -c drop -n "__fish_use_subcommand" -l version -d "print the version"
complete -c drop -n "__fish_use_subcommand" -f -a init -d "create an environment"
complete -c drop -n "__fish_use_subcommand" -f -a run -d "run a command in an environment"
complete -c drop -n "__fish_use_subcommand" -f -a enter -d "start a command in a running instance"
complete -c drop -n "__fish_use_subcommand" -f -a ls -d "list the environments"
complete -c drop -n "__fish_use_subcommand" -f -a rm -d "remove an environment"
complete -c drop -n "__fish_use_subcommand" -f -a show-config -d "print the merged configuration"
complete -c drop -n "__fish_use_subcommand" -f -a profiles -d "list the app profiles"
complete -c drop -n "__fish_use_subcommand" -f -a ps -d "list the running instances"
complete -c drop -n "__fish_use_subcommand" -f -a doctor -d "check what drop needs from the host"
complete -c drop -n "__fish_use_subcommand" -f -a "(__drop_programs)" -d "program with its app profile"

# drop init
complete -c drop -n "__fish_seen_subcommand_from init" -f -l no-cwd -d "do not mount the current directory"

# drop run
set -l __drop_run "__fish_seen_subcommand_from run"
complete -c drop -n $__drop_run -s e -l env -x -a "(__drop_envs)" -d "environment"
complete -c drop -n $__drop_run -s c -l config -r -F -d "use FILE instead of the environment's config"
complete -c drop -n $__drop_run -s p -l profile -x -a "(__drop_profiles)" -d "also apply an app profile"
complete -c drop -n $__drop_run -s r -l root -d "be uid/gid 0 inside"
complete -c drop -n $__drop_run -s m -l mount -r -F -d "add a mount (SRC[:DST][:rw,opt])"
complete -c drop -n $__drop_run -s b -l block -r -F -d "add a blocked path"
complete -c drop -n $__drop_run -s n -l net -x -a "off isolated filtered host" -d "network mode"
complete -c drop -n $__drop_run -s t -l tcp-publish -x -d "publish a sandbox TCP port on the host"
complete -c drop -n $__drop_run -s u -l udp-publish -x -d "publish a sandbox UDP port on the host"
complete -c drop -n $__drop_run -s T -l tcp-host -x -a auto -d "make a host loopback TCP port reachable inside"
complete -c drop -n $__drop_run -s U -l udp-host -x -a auto -d "make a host loopback UDP port reachable inside"
complete -c drop -n $__drop_run -l memory -x -d "memory limit, like 512M or 2G"
complete -c drop -n $__drop_run -l pids -x -d "most processes and threads"
complete -c drop -n $__drop_run -l cpus -x -d "CPU time in CPUs, like 1.5"
complete -c drop -n $__drop_run -l timeout -x -d "end the sandbox after DURATION, like 10m"
complete -c drop -n $__drop_run -l max-output -x -d "cap each relayed output stream"
complete -c drop -n $__drop_run -l report -r -F -d "write a JSON report of the run"
complete -c drop -n $__drop_run -l best-effort-limits -d "run even if a limit cannot be enforced"
complete -c drop -n $__drop_run -a "(__fish_complete_command)" -d "command"

# drop enter
complete -c drop -n "__fish_seen_subcommand_from enter" -s e -l env -x -a "(__drop_envs)" -d "environment"
complete -c drop -n "__fish_seen_subcommand_from enter" -f -a "(__drop_instances)" -d "instance"

# drop rm, drop show-config
complete -c drop -n "__fish_seen_subcommand_from rm" -f -a "(__drop_envs)" -d "environment"
complete -c drop -n "__fish_seen_subcommand_from show-config" -s e -l env -x -a "(__drop_envs)" -d "environment"
complete -c drop -n "__fish_seen_subcommand_from show-config" -s p -l profile -x -a "(__drop_profiles)" -d "apply an app profile"
complete -c drop -n "__fish_seen_subcommand_from ls ps profiles doctor" -f
