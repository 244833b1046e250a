/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The config parser on bad input: wrong types, unknown enum values,
 * numbers out of range, missing required fields; each refused with one
 * exact message naming the field. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"
#include "oci-config-test.h"
#include "spec/json.h"
#include "spec/oci-config.h"
#include "tap.h"
#include "util/cleanup.h"

static const struct bad_case type_cases[] = {
        { "memory_limit_string_is_rejected", R("'memory':{'limit':'1'}"),
          "linux.resources.memory.limit: expected integer, got string" },
        { "device_rule_major_string_is_rejected",
          R("'devices':[{'allow':true},{'allow':true},{'allow':true,'major':'8'}]"),
          "linux.resources.devices[2].major: expected integer, got string" },
        { "document_array_is_rejected", "[]", "(root): expected object, got array" },
        { "root_array_is_rejected", "{'ociVersion':'1.3.0','root':[]}",
          "root: expected object, got array" },
        { "oci_version_number_is_rejected", "{'ociVersion':1,'root':{'path':'r'}}",
          "ociVersion: expected string, got integer" },
        { "terminal_string_is_rejected", P(",'terminal':'yes'"),
          "process.terminal: expected boolean, got string" },
        { "no_new_privileges_zero_is_rejected", P(",'noNewPrivileges':0"),
          "process.noNewPrivileges: expected boolean, got integer" },
        { "args_number_element_is_rejected", "{" B ",'process':{'cwd':'/','args':['sh',1],"
          "'user':{'uid':0,'gid':0}}}", "process.args[1]: expected string, got integer" },
        { "uid_fraction_is_rejected", UO("'uid':1.5,'gid':0"),
          "process.user.uid: expected integer, got 1.5" },
        { "uid_exponent_is_rejected", U(",'umask':1e3"),
          "process.user.umask: expected integer, got 1e3" },
        { "mounts_object_is_rejected", "{" B ",'mounts':{}}",
          "mounts: expected array, got object" },
        { "mount_string_is_rejected", "{" B ",'mounts':['/proc']}",
          "mounts[0]: expected object, got string" },
        { "namespace_null_element_is_rejected", L("'namespaces':[null]"),
          "linux.namespaces[0]: expected object, got null" },
        { "sysctl_array_is_rejected", L("'sysctl':[]"),
          "linux.sysctl: expected object, got array" },
        { "annotation_number_value_is_rejected", "{" B ",'annotations':{'com.example':1}}",
          "annotations[\"com.example\"]: expected string, got integer" },
        { "hook_args_string_is_rejected", "{" B ",'hooks':{'poststop':[{'path':'/h','args':'x'}]}}",
          "hooks.poststop[0].args: expected array, got string" },
        { "syscall_name_number_is_rejected",
          S("'syscalls':[{'names':[1],'action':'SCMP_ACT_LOG'}]"),
          "linux.seccomp.syscalls[0].names[0]: expected string, got integer" },
        { "cpus_number_is_rejected", R("'cpu':{'cpus':3}"),
          "linux.resources.cpu.cpus: expected string, got integer" },
        { "additional_gid_string_is_rejected", U(",'additionalGids':[1,'2']"),
          "process.user.additionalGids[1]: expected integer, got string" },
        { "memory_limit_float_is_rejected", R("'memory':{'limit':1e999}"),
          "linux.resources.memory.limit: expected integer, got 1e999" },
};

static const struct bad_case enum_cases[] = {
        { "namespace_type_unknown_is_rejected", L("'namespaces':[{'type':'foo'}]"),
          "linux.namespaces[0].type: unknown value \"foo\" (expected one of: mount, pid, network, "
          "uts, ipc, user, cgroup, time)" },
        { "rootfs_propagation_unknown_is_rejected", L("'rootfsPropagation':'sideways'"),
          "linux.rootfsPropagation: unknown value \"sideways\" (expected one of: private, shared, "
          "slave, unbindable, rprivate, rshared, rslave, runbindable)" },
        { "device_type_unknown_is_rejected", L("'devices':[{'type':'x','path':'/dev/x'}]"),
          "linux.devices[0].type: unknown value \"x\" (expected one of: c, b, u, p)" },
        { "device_rule_type_unknown_is_rejected", R("'devices':[{'allow':true,'type':'u'}]"),
          "linux.resources.devices[0].type: unknown value \"u\" (expected one of: a, c, b)" },
        { "seccomp_default_action_unknown_is_rejected", L("'seccomp':{'defaultAction':'ALLOW'}"),
          "linux.seccomp.defaultAction: unknown value \"ALLOW\" (expected one of: SCMP_ACT_KILL, "
          "SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, "
          "SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY)" },
        { "seccomp_op_unknown_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG','args':[{'index':0,'value':1,"
            "'op':'=='}]}]"),
          "linux.seccomp.syscalls[0].args[0].op: unknown value \"==\" (expected one of: "
          "SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, "
          "SCMP_CMP_MASKED_EQ)" },
        { "seccomp_arch_unknown_is_rejected", S("'architectures':['SCMP_ARCH_X86_64','amd64']"),
          "linux.seccomp.architectures[1]: unknown value \"amd64\" (expected one of: "
          "SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, "
          "SCMP_ARCH_LOONGARCH64, SCMP_ARCH_M68K, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, "
          "SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, "
          "SCMP_ARCH_PPC, SCMP_ARCH_PPC64, SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, "
          "SCMP_ARCH_SH, SCMP_ARCH_SHEB, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, "
          "SCMP_ARCH_RISCV64)" },
        { "seccomp_flag_unknown_is_rejected", S("'flags':['SECCOMP_FILTER_FLAG_NEW_LISTENER']"),
          "linux.seccomp.flags[0]: unknown value \"SECCOMP_FILTER_FLAG_NEW_LISTENER\" (expected "
          "one of: SECCOMP_FILTER_FLAG_TSYNC, SECCOMP_FILTER_FLAG_LOG, "
          "SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)" },
        { "rlimit_type_unknown_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
          "process.rlimits[0].type: unknown value \"RLIMIT_FOO\" (expected one of: RLIMIT_CPU, "
          "RLIMIT_FSIZE, RLIMIT_DATA, RLIMIT_STACK, RLIMIT_CORE, RLIMIT_RSS, RLIMIT_NPROC, "
          "RLIMIT_NOFILE, RLIMIT_MEMLOCK, RLIMIT_AS, RLIMIT_LOCKS, RLIMIT_SIGPENDING, "
          "RLIMIT_MSGQUEUE, RLIMIT_NICE, RLIMIT_RTPRIO, RLIMIT_RTTIME)" },
        { "io_priority_class_unknown_is_rejected", P(",'ioPriority':{'class':'IOPRIO_CLASS_NONE'}"),
          "process.ioPriority.class: unknown value \"IOPRIO_CLASS_NONE\" (expected one of: "
          "IOPRIO_CLASS_RT, IOPRIO_CLASS_BE, IOPRIO_CLASS_IDLE)" },
        { "scheduler_policy_unknown_is_rejected", P(",'scheduler':{'policy':'SCHED_NORMAL'}"),
          "process.scheduler.policy: unknown value \"SCHED_NORMAL\" (expected one of: "
          "SCHED_OTHER, SCHED_FIFO, SCHED_RR, SCHED_BATCH, SCHED_ISO, SCHED_IDLE, "
          "SCHED_DEADLINE)" },
        { "scheduler_flag_unknown_is_rejected",
          P(",'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_FAST']}"),
          "process.scheduler.flags[0]: unknown value \"SCHED_FLAG_FAST\" (expected one of: "
          "SCHED_FLAG_RESET_ON_FORK, SCHED_FLAG_RECLAIM, SCHED_FLAG_DL_OVERRUN, "
          "SCHED_FLAG_KEEP_POLICY, SCHED_FLAG_KEEP_PARAMS, SCHED_FLAG_UTIL_CLAMP_MIN, "
          "SCHED_FLAG_UTIL_CLAMP_MAX)" },
        { "personality_domain_unknown_is_rejected", L("'personality':{'domain':'LINUX64'}"),
          "linux.personality.domain: unknown value \"LINUX64\" (expected one of: LINUX, LINUX32)" },
        { "memory_policy_mode_unknown_is_rejected", L("'memoryPolicy':{'mode':'MPOL_ANY'}"),
          "linux.memoryPolicy.mode: unknown value \"MPOL_ANY\" (expected one of: MPOL_DEFAULT, "
          "MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE, MPOL_LOCAL, MPOL_PREFERRED_MANY, "
          "MPOL_WEIGHTED_INTERLEAVE)" },
        { "memory_policy_flag_unknown_is_rejected",
          L("'memoryPolicy':{'mode':'MPOL_BIND','flags':['MPOL_F_X']}"),
          "linux.memoryPolicy.flags[0]: unknown value \"MPOL_F_X\" (expected one of: "
          "MPOL_F_NUMA_BALANCING, MPOL_F_RELATIVE_NODES, MPOL_F_STATIC_NODES)" },
        { "time_offset_clock_unknown_is_rejected", L("'timeOffsets':{'realtime':{'secs':1}}"),
          "linux.timeOffsets.realtime: unknown value \"realtime\" (expected one of: boottime, "
          "monotonic)" },
        { "enum_value_control_chars_are_escaped", L("'namespaces':[{'type':'\\u001b[31m'}]"),
          "linux.namespaces[0].type: unknown value \"\\x1b[31m\" (expected one of: mount, pid, "
          "network, uts, ipc, user, cgroup, time)" },
};

static const struct bad_case range_cases[] = {
        { "uid_above_uint32_is_rejected", UO("'uid':4294967296,'gid':0"),
          "process.user.uid: 4294967296 is out of range (0 to 4294967294)" },
        { "gid_negative_is_rejected", UO("'uid':0,'gid':-1"),
          "process.user.gid: -1 is out of range (0 to 4294967294)" },
        { "uid_negative_zero_is_rejected", UO("'uid':-0,'gid':0"),
          "process.user.uid: -0 is out of range (0 to 4294967294)" },
        { "umask_above_0777_is_rejected", U(",'umask':512"),
          "process.user.umask: 512 is out of range (0 to 511)" },
        { "oom_score_adj_above_1000_is_rejected", P(",'oomScoreAdj':1001"),
          "process.oomScoreAdj: 1001 is out of range (-1000 to 1000)" },
        { "oom_score_adj_below_minus_1000_is_rejected", P(",'oomScoreAdj':-1001"),
          "process.oomScoreAdj: -1001 is out of range (-1000 to 1000)" },
        { "device_major_above_4095_is_rejected",
          L("'devices':[{'type':'c','path':'/dev/x','major':4096,'minor':0}]"),
          "linux.devices[0].major: 4096 is out of range (0 to 4095)" },
        { "device_minor_negative_is_rejected",
          L("'devices':[{'type':'b','path':'/dev/x','major':8,'minor':-1}]"),
          "linux.devices[0].minor: -1 is out of range (0 to 1048575)" },
        { "device_file_mode_too_large_is_rejected",
          L("'devices':[{'type':'c','path':'/dev/x','major':1,'minor':3,'fileMode':70000}]"),
          "linux.devices[0].fileMode: 70000 is out of range (0 to 65535)" },
        { "device_file_mode_of_other_type_is_rejected",
          L("'devices':[{'type':'c','path':'/dev/x','major':1,'minor':3,'fileMode':24992}]"),
          "linux.devices[0].fileMode: file type bits 060000 do not match type \"c\"" },
        { "blkio_weight_below_10_is_rejected", R("'blockIO':{'weight':5}"),
          "linux.resources.blockIO.weight: 5 is out of range (10 to 1000, or 0 for not set)" },
        { "blkio_weight_above_1000_is_rejected", R("'blockIO':{'weight':1001}"),
          "linux.resources.blockIO.weight: 1001 is out of range (0 to 1000)" },
        { "weight_device_leaf_weight_below_10_is_rejected",
          R("'blockIO':{'weightDevice':[{'major':8,'minor':0,'leafWeight':9}]}"),
          "linux.resources.blockIO.weightDevice[0].leafWeight: 9 is out of range (10 to 1000, or 0 "
          "for not set)" },
        { "cpu_shares_of_1_is_rejected", R("'cpu':{'shares':1}"),
          "linux.resources.cpu.shares: 1 is out of range (2 to 262144, or 0 for not set)" },
        { "cpu_shares_above_262144_is_rejected", R("'cpu':{'shares':262145}"),
          "linux.resources.cpu.shares: 262145 is out of range (0 to 262144)" },
        { "cpu_idle_of_2_is_rejected", R("'cpu':{'idle':2}"),
          "linux.resources.cpu.idle: 2 is out of range (0 to 1)" },
        { "swappiness_above_100_is_rejected", R("'memory':{'swappiness':101}"),
          "linux.resources.memory.swappiness: 101 is out of range (0 to 100)" },
        { "memory_limit_below_minus_1_is_rejected", R("'memory':{'limit':-2}"),
          "linux.resources.memory.limit: -2 is out of range (-1 to 9223372036854775807)" },
        { "memory_limit_above_int64_is_rejected", R("'memory':{'limit':9223372036854775808}"),
          "linux.resources.memory.limit: 9223372036854775808 is out of range (-1 to "
          "9223372036854775807)" },
        { "pids_limit_below_minus_1_is_rejected", R("'pids':{'limit':-2}"),
          "linux.resources.pids.limit: -2 is out of range (-1 to 9223372036854775807)" },
        { "rlimit_above_uint64_is_rejected",
          P(",'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':18446744073709551616}]"),
          "process.rlimits[0].hard: 18446744073709551616 is out of range (0 to "
          "18446744073709551615)" },
        { "seccomp_arg_index_above_5_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG','args':[{'index':6,'value':1,"
            "'op':'SCMP_CMP_EQ'}]}]"),
          "linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)" },
        { "seccomp_errno_ret_above_16_bits_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_ERRNO','errnoRet':65536}]"),
          "linux.seccomp.syscalls[0].errnoRet: 65536 is out of range (0 to 65535)" },
        { "io_priority_above_7_is_rejected",
          P(",'ioPriority':{'class':'IOPRIO_CLASS_BE','priority':8}"),
          "process.ioPriority.priority: 8 is out of range (0 to 7)" },
        { "scheduler_nice_above_19_is_rejected",
          P(",'scheduler':{'policy':'SCHED_OTHER','nice':20}"),
          "process.scheduler.nice: 20 is out of range (-20 to 19)" },
        { "hook_timeout_of_0_is_rejected",
          "{" B ",'hooks':{'prestart':[{'path':'/h','timeout':0}]}}",
          "hooks.prestart[0].timeout: 0 is out of range (1 to 2147483647)" },
        { "console_height_above_65535_is_rejected",
          P(",'consoleSize':{'height':65536,'width':80}"),
          "process.consoleSize.height: 65536 is out of range (0 to 65535)" },
        { "time_offset_nanosecs_of_a_second_is_rejected",
          L("'timeOffsets':{'boottime':{'nanosecs':1000000000}}"),
          "linux.timeOffsets.boottime.nanosecs: 1000000000 is out of range (0 to 999999999)" },
        { "id_mapping_size_above_uint32_is_rejected",
          L("'uidMappings':[{'containerID':0,'hostID':0,'size':4294967296}]"),
          "linux.uidMappings[0].size: 4294967296 is out of range (0 to 4294967295)" },
        { "huge_number_is_cut_in_the_message",
          R("'memory':{'limit':123456789012345678901234567890123456789012345678901234567890}"),
          "linux.resources.memory.limit: 1234567890123456789012345678901234567890... is out of "
          "range (-1 to 9223372036854775807)" },
};

static const struct bad_case missing_cases[] = {
        { "oci_version_missing_is_rejected", "{'root':{'path':'r'}}",
          "ociVersion: required field missing" },
        { "oci_version_null_is_missing", "{'ociVersion':null,'root':{'path':'r'}}",
          "ociVersion: required field missing" },
        { "root_missing_is_rejected", "{'ociVersion':'1.3.0'}", "root: required field missing" },
        { "root_path_missing_is_rejected", "{'ociVersion':'1.3.0','root':{'readonly':true}}",
          "root.path: required field missing" },
        { "process_cwd_missing_is_rejected",
          "{" B ",'process':{'args':['sh'],'user':{'uid':0,'gid':0}}}",
          "process.cwd: required field missing" },
        { "process_user_uid_missing_is_rejected",
          "{" B ",'process':{'args':['sh'],'cwd':'/','user':{'gid':0}}}",
          "process.user.uid: required field missing" },
        { "process_user_gid_missing_is_rejected",
          "{" B ",'process':{'args':['sh'],'cwd':'/','user':{'uid':0}}}",
          "process.user.gid: required field missing" },
        { "process_args_missing_is_rejected",
          "{" B ",'process':{'cwd':'/','user':{'uid':0,'gid':0}}}",
          "process.args: required field missing" },
        { "process_args_empty_is_rejected",
          "{" B ",'process':{'cwd':'/','args':[],'user':{'uid':0,'gid':0}}}",
          "process.args: must hold at least one entry" },
        { "hook_path_missing_is_rejected", "{" B ",'hooks':{'poststop':[{'args':['x']}]}}",
          "hooks.poststop[0].path: required field missing" },
        { "mount_destination_missing_is_rejected", "{" B ",'mounts':[{'type':'proc'}]}",
          "mounts[0].destination: required field missing" },
        { "namespace_type_missing_is_rejected", L("'namespaces':[{'type':'pid'},{'path':'/x'}]"),
          "linux.namespaces[1].type: required field missing" },
        { "device_path_missing_is_rejected", L("'devices':[{'type':'c','major':1,'minor':3}]"),
          "linux.devices[0].path: required field missing" },
        { "device_type_missing_is_rejected", L("'devices':[{'path':'/dev/x'}]"),
          "linux.devices[0].type: required field missing" },
        { "char_device_major_missing_is_rejected", L("'devices':[{'path':'/dev/x','type':'c'}]"),
          "linux.devices[0].major: required field missing" },
        { "id_mapping_host_id_missing_is_rejected", L("'gidMappings':[{'containerID':0,'size':1}]"),
          "linux.gidMappings[0].hostID: required field missing" },
        { "mount_id_mapping_size_missing_is_rejected",
          "{" B ",'mounts':[{'destination':'/d','uidMappings':[{'containerID':0,'hostID':1}]}]}",
          "mounts[0].uidMappings[0].size: required field missing" },
        { "pids_limit_missing_is_rejected", R("'pids':{}"),
          "linux.resources.pids.limit: required field missing" },
        { "device_rule_allow_missing_is_rejected", R("'devices':[{'access':'rwm'}]"),
          "linux.resources.devices[0].allow: required field missing" },
        { "seccomp_default_action_missing_is_rejected", L("'seccomp':{'syscalls':[]}"),
          "linux.seccomp.defaultAction: required field missing" },
        { "syscall_names_empty_is_rejected", S("'syscalls':[{'names':[],'action':'SCMP_ACT_LOG'}]"),
          "linux.seccomp.syscalls[0].names: must hold at least one entry" },
        { "syscall_action_missing_is_rejected", S("'syscalls':[{'names':['read']}]"),
          "linux.seccomp.syscalls[0].action: required field missing" },
        { "seccomp_arg_op_missing_is_rejected",
          S("'syscalls':[{'names':['a'],'action':'SCMP_ACT_LOG','args':[{'index':0,'value':1}]}]"),
          "linux.seccomp.syscalls[0].args[0].op: required field missing" },
        { "rlimit_soft_missing_is_rejected", P(",'rlimits':[{'type':'RLIMIT_NOFILE','hard':1}]"),
          "process.rlimits[0].soft: required field missing" },
        { "weight_device_without_weight_is_rejected",
          R("'blockIO':{'weightDevice':[{'major':8,'minor':0}]}"),
          "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight" },
        { "throttle_rate_missing_is_rejected",
          R("'blockIO':{'throttleWriteIOPSDevice':[{'major':8,'minor':0}]}"),
          "linux.resources.blockIO.throttleWriteIOPSDevice[0].rate: required field missing" },
        { "rdma_entry_without_limits_is_rejected", R("'rdma':{'mlx5_1':{}}"),
          "linux.resources.rdma.mlx5_1: needs hcaHandles or hcaObjects" },
        { "hugepage_page_size_missing_is_rejected", R("'hugepageLimits':[{'limit':1}]"),
          "linux.resources.hugepageLimits[0].pageSize: required field missing" },
        { "interface_priority_name_missing_is_rejected",
          R("'network':{'priorities':[{'priority':1}]}"),
          "linux.resources.network.priorities[0].name: required field missing" },
        { "memory_policy_mode_missing_is_rejected", L("'memoryPolicy':{'nodes':'0'}"),
          "linux.memoryPolicy.mode: required field missing" },
        { "personality_domain_missing_is_rejected", L("'personality':{}"),
          "linux.personality.domain: required field missing" },
        { "scheduler_policy_missing_is_rejected", P(",'scheduler':{'nice':1}"),
          "process.scheduler.policy: required field missing" },
        { "io_priority_class_missing_is_rejected", P(",'ioPriority':{'priority':1}"),
          "process.ioPriority.class: required field missing" },
        { "console_width_missing_is_rejected", P(",'consoleSize':{'height':1}"),
          "process.consoleSize.width: required field missing" },
};

int main(void)
{
        run_cases(type_cases, ARRAY_SIZE(type_cases));
        run_cases(enum_cases, ARRAY_SIZE(enum_cases));
        run_cases(range_cases, ARRAY_SIZE(range_cases));
        run_cases(missing_cases, ARRAY_SIZE(missing_cases));
        return tap_done();
}
