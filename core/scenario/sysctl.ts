/** `sysctl …` as procps-ng 4.0.2 reads it (sysctl.c main(), WriteSetting(), ReadSetting()). */
import { ok, type Result } from '../result.ts';
import { type Args, lookupTable, toolError, unsupportedError } from './args.ts';
import type { CommandBody, SysctlSetting } from './commands.ts';
import type { ScenarioError } from './error.ts';

/** The leaves of net/ipv4/conf/DEV/ that the simulator models (DESIGN.md §2). */
const CONF_MODELLED = new Set(['forwarding', 'arp_ignore', 'arp_announce', 'arp_filter', 'rp_filter', 'send_redirects', 'accept_redirects']);
/** The leaves of net/ipv4/neigh/DEV/ that the simulator models. */
const NEIGH_MODELLED = new Set(['base_reachable_time_ms', 'delay_first_probe_time', 'retrans_time_ms', 'gc_stale_time']);
/** Every leaf of net/ipv4/conf/DEV/ on Linux 6.x (measured: ls /proc/sys/net/ipv4/conf/all). */
const CONF_ALL = new Set('accept_local accept_redirects accept_source_route arp_accept arp_announce arp_evict_nocarrier arp_filter arp_ignore arp_notify bc_forwarding bootp_relay disable_policy disable_xfrm drop_gratuitous_arp drop_unicast_in_l2_multicast force_igmp_version forwarding igmpv2_unsolicited_report_interval igmpv3_unsolicited_report_interval ignore_routes_with_linkdown log_martians mc_forwarding medium_id promote_secondaries proxy_arp proxy_arp_pvlan route_localnet rp_filter secure_redirects send_redirects shared_media src_valid_mark tag'.split(' '));
/** Every leaf of net/ipv4/neigh/DEV/ on Linux 6.x. */
const NEIGH_ALL = new Set('anycast_delay app_solicit base_reachable_time base_reachable_time_ms delay_first_probe_time gc_stale_time interval_probe_time_ms locktime mcast_resolicit mcast_solicit proxy_delay proxy_qlen retrans_time retrans_time_ms ucast_solicit unres_qlen unres_qlen_bytes'.split(' '));
/** The directories and leaves of net/ipv4/ on Linux 6.x, other than conf and neigh. */
const IPV4_ALL = new Set('route fib_multipath_hash_fields fib_multipath_hash_policy fib_multipath_hash_seed fib_multipath_use_neigh fib_notify_on_flag_change fwmark_reflect icmp_echo_enable_probe icmp_echo_ignore_all icmp_echo_ignore_broadcasts icmp_errors_use_inbound_ifaddr icmp_ignore_bogus_error_responses icmp_msgs_burst icmp_msgs_per_sec icmp_ratelimit icmp_ratemask igmp_link_local_mcast_reports igmp_max_memberships igmp_max_msf igmp_qrv ip_autobind_reuse ip_default_ttl ip_dynaddr ip_early_demux ip_forward ip_forward_update_priority ip_forward_use_pmtu ip_local_port_range ip_local_reserved_ports ip_no_pmtu_disc ip_nonlocal_bind ip_unprivileged_port_start ipfrag_high_thresh ipfrag_low_thresh ipfrag_max_dist ipfrag_time nexthop_compat_mode ping_group_range raw_l3mdev_accept tcp_abort_on_overflow tcp_adv_win_scale tcp_allowed_congestion_control tcp_app_win tcp_autocorking tcp_available_congestion_control tcp_backlog_ack_defer tcp_base_mss tcp_challenge_ack_limit tcp_child_ehash_entries tcp_comp_sack_delay_ns tcp_comp_sack_nr tcp_comp_sack_slack_ns tcp_congestion_control tcp_dsack tcp_early_demux tcp_early_retrans tcp_ecn tcp_ecn_fallback tcp_ehash_entries tcp_fack tcp_fastopen tcp_fastopen_blackhole_timeout_sec tcp_fastopen_key tcp_fin_timeout tcp_frto tcp_fwmark_accept tcp_invalid_ratelimit tcp_keepalive_intvl tcp_keepalive_probes tcp_keepalive_time tcp_l3mdev_accept tcp_limit_output_bytes tcp_max_reordering tcp_max_syn_backlog tcp_max_tw_buckets tcp_migrate_req tcp_min_rtt_wlen tcp_min_snd_mss tcp_min_tso_segs tcp_moderate_rcvbuf tcp_mtu_probe_floor tcp_mtu_probing tcp_no_metrics_save tcp_no_ssthresh_metrics_save tcp_notsent_lowat tcp_orphan_retries tcp_pacing_ca_ratio tcp_pacing_ss_ratio tcp_pingpong_thresh tcp_plb_cong_thresh tcp_plb_enabled tcp_plb_idle_rehash_rounds tcp_plb_rehash_rounds tcp_plb_suspend_rto_sec tcp_probe_interval tcp_probe_threshold tcp_recovery tcp_reflect_tos tcp_reordering tcp_retrans_collapse tcp_retries1 tcp_retries2 tcp_rfc1337 tcp_rmem tcp_rto_min_us tcp_sack tcp_shrink_window tcp_slow_start_after_idle tcp_stdurg tcp_syn_linear_timeouts tcp_syn_retries tcp_synack_retries tcp_syncookies tcp_thin_linear_timeouts tcp_timestamps tcp_tso_rtt_log tcp_tso_win_divisor tcp_tw_reuse tcp_window_scaling tcp_wmem tcp_workaround_signed_windows udp_child_hash_entries udp_early_demux udp_hash_entries udp_l3mdev_accept udp_rmem_min udp_wmem_min xfrm4_gc_thresh'.split(' '));

/** Whether twinnet models the key; `unknown` when Linux has no such file. */
function classify(key: string): 'modelled' | 'unmodelled' | 'unknown' {
  const p = key.split('.');
  if (key === 'net.ipv4.ip_forward' || key === 'net.ipv4.ip_default_ttl') return 'modelled';
  if (p[0] !== 'net') return 'unmodelled';
  if (p[1] === 'ipv4') {
    if (p[2] === 'conf' && p.length === 5) return CONF_MODELLED.has(p[4]!) ? 'modelled' : CONF_ALL.has(p[4]!) ? 'unmodelled' : 'unknown';
    if (p[2] === 'neigh' && p.length === 5) return NEIGH_MODELLED.has(p[4]!) ? 'modelled' : NEIGH_ALL.has(p[4]!) ? 'unmodelled' : 'unknown';
    if (p.length === 3) return IPV4_ALL.has(p[2]!) ? 'unmodelled' : 'unknown';
    if (p[2] === 'route') return 'unmodelled';
    return 'unknown';
  }
  if (p[1] === 'ipv6' && p[2] === 'conf' && p.length === 5 && p[4] === 'disable_ipv6') return 'modelled';
  return 'unmodelled';
}

/** Parses `sysctl …` (argv[0] is `sysctl`). */
export function parseSysctl(args: Args): Result<CommandBody, ScenarioError> {
  const tool = args.next()!;
  let write = false, quiet = false, valuesOnly = false, ignoreUnknown = false;
  const words = [];
  while (!args.done) {
    const w = args.next()!;
    if (w.text.startsWith('--')) {
      const long = lookupTable<() => void>({ '--write': () => (write = true), '--quiet': () => (quiet = true), '--values': () => (valuesOnly = true), '--ignore': () => (ignoreUnknown = true) });
      const f = long[w.text];
      if (f) f();
      else if (['--all', '--binary', '--names', '--load', '--system', '--pattern', '--deprecated', '--help', '--version'].includes(w.text.split('=')[0]!)) return unsupportedError(w.position, `sysctl option "${w.text}" is not modelled by twinnet`);
      else return toolError(w.position, `sysctl: unrecognized option '${w.text}'`);
    } else if (w.text.startsWith('-') && w.text.length > 1) {
      for (const c of w.text.slice(1)) {
        if (c === 'w') write = true;
        else if (c === 'q') quiet = true;
        else if (c === 'n') valuesOnly = true;
        else if (c === 'e') ignoreUnknown = true;
        else if ('aAbdNprXxohV'.includes(c)) return unsupportedError(w.position, `sysctl option "-${c}" is not modelled by twinnet`);
        else return toolError(w.position, `sysctl: invalid option -- '${c}'`);
      }
    } else {
      words.push(w);
    }
  }
  if (words.length === 0) return write ? toolError(tool.position, 'sysctl: no variables specified') : unsupportedError(tool.position, '"sysctl" without a key prints its usage');
  const settings: SysctlSetting[] = [];
  for (const w of words) {
    const eq = w.text.indexOf('=');
    if (write && eq < 0) return toolError(w.position, 'sysctl: command line(0): invalid syntax, continuing...');
    let key = (eq < 0 ? w.text : w.text.slice(0, eq)).trim();
    if (key.includes('/')) key = key.replace(/^\/+/, '').split('/').join('.');
    const kind = classify(key);
    if (kind === 'unknown') {
      if (ignoreUnknown) continue;
      return toolError(w.position, `sysctl: cannot stat /proc/sys/${key.split('.').join('/')}: No such file or directory`);
    }
    if (kind === 'unmodelled') return unsupportedError(w.position, `sysctl key "${key}" is not modelled by twinnet`);
    let value: number | undefined;
    if (eq >= 0) {
      const text = w.text.slice(eq + 1).trim();
      if (!/^-?[0-9]+$/.test(text)) return toolError(w.position, `sysctl: setting key "${key}": Invalid argument`);
      value = Number(text);
    }
    settings.push({ key, value, position: w.position });
  }
  return ok({ kind: 'sysctl', settings, write, quiet, valuesOnly, ignoreUnknown });
}
