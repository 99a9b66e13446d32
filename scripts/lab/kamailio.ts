/**
 * Kamailio for the lab: generates kamailio.cfg from the account list and
 * builds the command line. The PBX is a registrar + proxy:
 *
 * - SIP over UDP/TCP on 127.0.0.1:5060, SIP over WebSocket on 127.0.0.1:8080
 *   (JsSIP), JSON-RPC over HTTP on the same port at /RPC;
 * - in-memory usrloc (a restart forgets every registration);
 * - digest auth (realm = lab domain) for REGISTER, for everything arriving over
 *   WebSocket and for every request whose From claims a lab extension, with the
 *   passwords kept in an htable (no database); other requests from 127.0.0.1
 *   over UDP/TCP are the trusted "carrier trunk" (SIPp/baresip outside callers);
 * - extensions are looked up in usrloc (parallel forking to all contacts),
 *   other numbers dialled by an authenticated extension go to the PSTN gateway
 *   127.0.0.1:5070 over UDP;
 * - every SDP passes rtpengine, flags by direction: towards WebSocket clients
 *   WebRTC (ICE, DTLS-SRTP, rtcp-mux), towards plain SIP RTP/AVP without ICE;
 *   the rtpengine call is deleted on BYE, CANCEL and failed initial INVITEs;
 * - MESSAGE to an extension that is not registered (or whose phone does not answer it) is stored
 *   by msilo (db_text files in the state dir) and answered 202; the stored messages, with their
 *   X-Frontdesk-Message header, go out when the extension registers again.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  labAccounts,
  labBenchAccounts,
  labDomain,
  labHost,
  labRealm,
  labSipPort,
  labWsPort,
  pstnGatewayPort,
  rtpengineNgPort,
  type LabAccount,
} from './config';

export const kamailioBinary = process.env.FRONTDESK_LAB_KAMAILIO ?? 'kamailio';
export const kamailioModulesDir = process.env.FRONTDESK_LAB_KAMAILIO_MODULES ?? '/usr/lib/x86_64-linux-gnu/kamailio/modules';

/** rtpengine flags for SDP going towards a WebRTC (WebSocket) endpoint. */
export const rtpFlagsToWebRtc = 'ICE=force RTP/SAVPF DTLS=passive rtcp-mux-offer SDES-off replace-origin replace-session-connection';
/**
 * For an SDP *answer* going to a WebRTC client that made the offer (a=setup:actpass). Forcing
 * DTLS=passive here was seen to leave the browser's DTLS stuck in "connecting" (no audio either
 * way); left to itself rtpengine answers a=setup:active and the handshake completes.
 */
export const rtpFlagsAnswerToWebRtc = 'ICE=force RTP/SAVPF rtcp-mux-offer SDES-off replace-origin replace-session-connection';
/** rtpengine flags for SDP going towards a plain SIP endpoint. */
export const rtpFlagsToPlainSip = 'ICE=remove RTP/AVP rtcp-mux-demux replace-origin replace-session-connection';

export interface KamailioPaths {
  cfg: string;
  /** msilo's db_text database (the folder holds the tables "version" and "silo"). */
  msiloDb: string;
  pid: string;
  log: string;
  runDir: string;
}

export function kamailioPaths(stateDir: string): KamailioPaths {
  return {
    cfg: path.join(stateDir, 'kamailio.cfg'),
    msiloDb: path.join(stateDir, 'msilo-db'),
    pid: path.join(stateDir, 'kamailio.pid'),
    log: path.join(stateDir, 'kamailio.log'),
    runDir: path.join(stateDir, 'kamailio-run'),
  };
}

function cfgString(value: string, what: string): string {
  if (/["\\\r\n$]/.test(value)) throw new Error(`${what} must not contain quotes, backslashes, '$' or newlines: ${JSON.stringify(value)}`);
  return `"${value}"`;
}

export interface KamailioConfigOptions {
  accounts?: readonly LabAccount[];
  /** Kamailio log level: -1 error … 3 debug. Default 2 (info). */
  debugLevel?: number;
  /**
   * The presence server (SUBSCRIBE/NOTIFY for `presence` and `dialog`, PUBLISH), with the PBX's own
   * publications of every extension's registration and calls. Off: SUBSCRIBE and PUBLISH get
   * 489 Bad Event, as from a PBX without presence. Default: on, unless FRONTDESK_LAB_PRESENCE=0.
   */
  presence?: boolean;
  /** Where the presence tables live (db_text); set by writeKamailioConfig. */
  presenceDbDir?: string;
  /** msilo's db_text folder (absolute); default: msilo-db in the state dir given to writeKamailioConfig, else /tmp. */
  msiloDb?: string;
}

/** Whether the lab runs its presence server unless told otherwise (FRONTDESK_LAB_PRESENCE=0 turns it off). */
export const labPresenceByDefault = (): boolean => process.env.FRONTDESK_LAB_PRESENCE !== '0';

/** The db_text tables the presence modules use, copied fresh from Debian's kamailio package at every start. */
export const presenceTables = ['version', 'presentity', 'active_watchers', 'watchers', 'xcap', 'pua'] as const;
export const dbTextSchemaDir = process.env.FRONTDESK_LAB_DBTEXT_SCHEMA ?? '/usr/share/kamailio/dbtext/kamailio';

/** db_text table definitions for msilo (as Debian's kamailio package ships them in /usr/share/kamailio/dbtext, but callid and status may be empty: msilo 5.6 fills neither). */
export const msiloTables = {
  version: 'id(int,auto) table_name(string) table_version(int) \n0:silo:8\n',
  silo: 'id(int,auto) src_addr(string) dst_addr(string) username(string) domain(string) inc_time(int) exp_time(int) snd_time(int) ctype(string) body(string,null) extra_hdrs(string,null) callid(string,null) status(int,null) \n',
} as const;

/** The complete kamailio.cfg text. */
export function generateKamailioConfig(opts: KamailioConfigOptions = {}): string {
  const accounts = opts.accounts ?? [...labAccounts, ...labBenchAccounts];
  const debug = opts.debugLevel ?? 2;
  const presence = opts.presence ?? labPresenceByDefault();
  const presenceDb = presence ? cfgString(`text://${path.resolve(opts.presenceDbDir ?? 'kamailio-db')}`, 'the presence database directory') : '';
  const msiloDb = opts.msiloDb ?? '/tmp/frontdesk-lab-msilo';
  if (!path.isAbsolute(msiloDb) || /["\\\r\n$\s]/.test(msiloDb)) throw new Error(`msilo's database folder must be an absolute path without quotes, spaces or '$': ${JSON.stringify(msiloDb)}`);
  for (const a of accounts) {
    if (!/^[A-Za-z0-9_.+-]+$/.test(a.user)) throw new Error(`Invalid lab user name ${JSON.stringify(a.user)}`);
  }
  const htableInit = accounts
    .map((a) => `\t$sht(accounts=>${a.user}) = ${cfgString(a.password, `password of ${a.user}`)};`)
    .join('\n');

  return `#!KAMAILIO
#
# Frontdesk lab PBX - GENERATED by scripts/lab/kamailio.ts at every lab start.
# Do not edit: change the generator instead.
#
# Extensions: ${accounts.filter((a) => !labBenchAccounts.includes(a)).map((a) => `${a.user} (${a.displayName})`).join(', ')}${accounts.some((a) => labBenchAccounts.includes(a)) ? ` and the benchmark's ${labBenchAccounts[0]!.user}-${labBenchAccounts[labBenchAccounts.length - 1]!.user}` : ''}
# Domain/realm: ${labDomain}; SIP udp+tcp ${labHost}:${labSipPort}; WebSocket ws://${labHost}:${labWsPort}
# rtpengine ng: ${labHost}:${rtpengineNgPort}; PSTN gateway: ${labHost}:${pstnGatewayPort} (udp)

#!substdef "!LAB_DOMAIN!${labDomain}!g"
#!substdef "!LAB_REALM!${labRealm}!g"
#!substdef "!LAB_IP!${labHost}!g"
#!substdef "!SIP_PORT!${labSipPort}!g"
#!substdef "!WS_PORT!${labWsPort}!g"
#!substdef "!PSTN_GW!${labHost}:${pstnGatewayPort}!g"

#!define RTP_TO_WEBRTC "${rtpFlagsToWebRtc}"
#!define RTP_ANSWER_TO_WEBRTC "${rtpFlagsAnswerToWebRtc}"
#!define RTP_TO_PLAIN "${rtpFlagsToPlainSip}"
${presence ? `#!define WITH_PRESENCE\n#!define PRESENCE_DB ${presenceDb}` : '# (no presence server: SUBSCRIBE and PUBLISH get 489)'}

# transaction flags
#!define FLT_SRC_WS 1
#!define FLT_INITIAL 2
#!define FLT_NATS 3
#!define FLT_LATE_OFFER 4
#!define FLT_AUTHED 5
#!define FLT_PUA_LOCAL 8
#!define FLT_NO_CALLER_BLF 9
#!define FLT_NO_CALLEE_BLF 10
#!define FLT_BLF 11
# branch flags (stored with the contact by save(), restored by lookup())
#!define FLB_NATB 6
#!define FLB_WS 7
#!define FLB_PUBLISH 8

####### Global parameters #########
debug=${debug}
log_stderror=yes
log_prefix="{$mt $hdr(CSeq) $ci} "
memdbg=5
memlog=5

children=4
tcp_children=4

listen=udp:LAB_IP:SIP_PORT
listen=tcp:LAB_IP:SIP_PORT
listen=tcp:LAB_IP:WS_PORT
alias="LAB_DOMAIN"

# never touch DNS: every destination in the lab is an IP address
dns=no
rev_dns=no
dns_try_ipv6=no
dns_try_naptr=no
dns_srv_lb=no
use_dns_cache=off
use_dns_failover=off
auto_aliases=no

server_header="Server: Frontdesk lab PBX"
user_agent_header="User-Agent: Frontdesk lab PBX"

# TCP / WebSocket
tcp_accept_no_cl=yes
tcp_connection_lifetime=3605
tcp_connect_timeout=2
tcp_keepalive=yes

####### Modules #########
mpath="${kamailioModulesDir}/"

loadmodule "jsonrpcs.so"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "tmx.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "textopsx.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
loadmodule "htable.so"
loadmodule "auth.so"
loadmodule "nathelper.so"
loadmodule "rtpengine.so"
loadmodule "xhttp.so"
loadmodule "websocket.so"
loadmodule "dialog.so"
loadmodule "db_text.so"
loadmodule "msilo.so"
#!ifdef WITH_PRESENCE
loadmodule "presence.so"
loadmodule "presence_xml.so"
loadmodule "presence_dialoginfo.so"
loadmodule "pua.so"
loadmodule "pua_dialoginfo.so"
loadmodule "pua_usrloc.so"
#!endif

# ----- jsonrpcs: over HTTP only (xhttp, /RPC on the WebSocket port) -----
modparam("jsonrpcs", "transport", 1)

# ----- tm -----
modparam("tm", "failure_reply_mode", 3)
modparam("tm", "fr_timer", 10000)
modparam("tm", "fr_inv_timer", 90000)

# ----- rr: double record-route when the transport changes (ws <-> udp) -----
modparam("rr", "enable_full_lr", 0)
modparam("rr", "append_fromtag", 0)
modparam("rr", "enable_double_rr", 1)

# ----- registrar / usrloc: in memory only -----
modparam("usrloc", "db_mode", 0)
modparam("usrloc", "use_domain", 0)
modparam("usrloc", "timer_interval", 10)
modparam("usrloc", "nat_bflag", FLB_NATB)
# contacts of closed WebSocket/TCP connections are dropped
modparam("usrloc", "handle_lost_tcp", 1)
modparam("usrloc", "close_expired_tcp", 1)
modparam("registrar", "method_filtering", 1)
modparam("registrar", "append_branches", 1)
modparam("registrar", "min_expires", 10)
modparam("registrar", "default_expires", 600)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "gruu_enabled", 0)
modparam("nathelper|registrar", "received_avp", "$avp(RECEIVED)")

# ----- nathelper: no pinging, the lab is all loopback -----
modparam("nathelper", "natping_interval", 0)

# ----- htable: lab passwords, filled at start-up -----
modparam("htable", "htable", "accounts=>size=6;")

# ----- auth -----
modparam("auth", "nonce_expire", 300)

# ----- rtpengine -----
modparam("rtpengine", "rtpengine_sock", "udp:LAB_IP:${rtpengineNgPort}")
modparam("rtpengine", "rtpengine_tout_ms", 2000)
modparam("rtpengine", "rtpengine_retr", 2)
modparam("rtpengine", "rtpengine_disable_tout", 5)
# one rtpengine media leg per fork branch of an initial INVITE
modparam("rtpengine", "extra_id_pv", "$avp(rtp_branch)")

# ----- dialog: calls in progress, so a desk that vanishes does not leave its caller on a dead line -----
modparam("dialog", "default_timeout", 43200)
# the calls of WebSocket clients: key Call-ID, value ",<ip:port of each WebSocket party>,;from-tag;to-tag"
modparam("htable", "htable", "wsdlg=>size=8;autoexpire=43200;")
# ----- msilo: store-and-forward of MESSAGE for extensions that are away -----
modparam("msilo", "db_url", "text://${msiloDb}")
# every stored message is written to its file at once (a PBX restart keeps them)
modparam("db_text", "db_mode", 1)
# the body as it was sent (no "[Offline message - date]" prefix), headers kept with it
modparam("msilo", "add_date", 0)
modparam("msilo", "extra_hdrs_avp", "$avp(msilo_hdrs)")
# dumped messages come back through this proxy, which finds the contact that just registered
modparam("msilo", "outbound_proxy", "sip:LAB_IP:SIP_PORT;transport=udp")
modparam("msilo", "check_time", 5)
modparam("msilo", "expire_time", 604800)

#!ifdef WITH_PRESENCE
# ----- presence: who is in (BLF) -----
# The presence server: SUBSCRIBE/NOTIFY for "presence" (PIDF, RFC 3856/3863) and "dialog"
# (dialog-info, RFC 4235), PUBLISH from the desks (Frontdesk publishes DND, away, on a call).
# Subscriptions in memory only, publications in db_text files copied fresh at every start: a
# restart forgets both, as it forgets registrations, and the clients subscribe and publish again.
# (db_text's db_mode is one setting for the whole module: the one above, shared with msilo.)
modparam("presence", "db_url", PRESENCE_DB)
modparam("presence", "subs_db_mode", 0)
modparam("presence", "server_address", "sip:LAB_IP:SIP_PORT")
modparam("presence", "clean_period", 10)
modparam("presence", "min_expires", 10)
modparam("presence", "max_expires", 3600)
modparam("presence_xml", "db_url", PRESENCE_DB)
# every extension may watch every other (no XCAP authorisation rules in the lab)
modparam("presence_xml", "force_active", 1)
modparam("presence_xml", "integrated_xcap_server", 0)
# The PBX's own publications, for phones that publish nothing themselves: pua_usrloc publishes
# each extension's registration (open while registered, removed when it ends or expires) and
# pua_dialoginfo the calls it relays (trying, early, confirmed, terminated), both sent as PUBLISH
# to this very server.
modparam("pua", "db_url", PRESENCE_DB)
modparam("pua", "db_mode", 0)
modparam("pua", "outbound_proxy", "sip:LAB_IP:SIP_PORT;transport=udp")
modparam("pua", "update_period", 10)
modparam("pua_usrloc", "default_domain", "LAB_DOMAIN")
# contacts saved with this branch flag are published on every change, their expiry and removal with
# a closed connection included (pua_set_publish alone covers only the REGISTER being handled)
modparam("pua_usrloc", "branch_flag", FLB_PUBLISH)
modparam("pua_dialoginfo", "include_callid", 1)
modparam("pua_dialoginfo", "include_tags", 1)
modparam("pua_dialoginfo", "include_localremote", 1)
modparam("pua_dialoginfo", "caller_confirmed", 1)
modparam("pua_dialoginfo", "send_publish_flag", FLT_BLF)
modparam("pua_dialoginfo", "use_pubruri_avps", 1)
modparam("pua_dialoginfo", "pubruri_caller_avp", "$avp(blf_caller)")
modparam("pua_dialoginfo", "pubruri_callee_avp", "$avp(blf_callee)")
modparam("pua_dialoginfo", "disable_caller_publish_flag", FLT_NO_CALLER_BLF)
modparam("pua_dialoginfo", "disable_callee_publish_flag", FLT_NO_CALLEE_BLF)
#!endif

# ----- websocket -----
modparam("websocket", "keepalive_mechanism", 1)
modparam("websocket", "keepalive_timeout", 30)
modparam("websocket", "keepalive_processes", 1)
modparam("websocket", "keepalive_interval", 1)
modparam("websocket", "sub_protocols", 1)

####### Routing logic ########

event_route[htable:mod-init] {
${htableInit}
}

request_route {
	route(REQINIT);

	if ($proto == "ws" || $proto == "wss") {
		setflag(FLT_SRC_WS);
	}
	route(NATDETECT);

	# CANCEL: drop the media session, relay statefully
	if (is_method("CANCEL")) {
		if (t_check_trans()) {
			# (a CANCEL of an in-dialog re-INVITE must not end the call's media)
			if (!has_totag()) rtpengine_delete();
			route(RELAY);
		}
		exit;
	}

	# retransmissions
	if (!is_method("ACK")) {
		if (t_precheck_trans()) {
			t_check_trans();
			exit;
		}
		t_check_trans();
	}

	route(WITHINDLG);

	### initial requests (no To tag) ###
	setflag(FLT_INITIAL);
#!ifdef WITH_PRESENCE
	# this Kamailio's own PUBLISH (pua_usrloc, pua_dialoginfo) comes back to it from its own socket
	if (is_method("PUBLISH") && $proto == "udp" && $si == "LAB_IP" && $sp == SIP_PORT) setflag(FLT_PUA_LOCAL);
	if (!isflagset(FLT_PUA_LOCAL)) route(AUTH);
#!else
	route(AUTH);
#!endif

	if (is_method("SUBSCRIBE|PUBLISH")) {
		route(PRESENCE);
	}

	remove_hf("Route");
	if (is_method("INVITE|SUBSCRIBE|REFER")) {
		record_route();
	}
	if (is_method("INVITE")) {
#!ifdef WITH_PRESENCE
		# (before the dialog exists: pua_dialoginfo decides when it is created)
		route(BLF);
#!endif
		dlg_manage();
		# which WebSocket connection the caller is on (see route[TRACK_WS_DIALOG])
		# (by address: the websocket:closed event knows the peer's address, not the connection id)
		if (isflagset(FLT_SRC_WS)) $avp(caller_ws) = $si + ":" + $sp;
	}

	if (is_method("REGISTER")) {
		route(REGISTRAR);
	}

	if ($rU == $null) {
		sl_send_reply("484", "Address Incomplete");
		exit;
	}

	if (uri == myself && $sht(accounts=>$rU) != $null) {
		route(LOCATION);
	}

	if (isflagset(FLT_AUTHED)) {
		route(PSTN);
	}

	xlog("L_INFO", "no route for $rm to $ru from $fu ($si:$sp/$proto)\\n");
	sl_send_reply("404", "Not Found");
	exit;
}

route[REQINIT] {
	set_reply_no_connect();
	force_rport();

	if (!mf_process_maxfwd_header("10")) {
		sl_send_reply("483", "Too Many Hops");
		exit;
	}

	# keepalives to the PBX itself
	if (is_method("OPTIONS") && uri == myself && $rU == $null) {
		sl_send_reply("200", "Keepalive");
		exit;
	}

	if (!sanity_check("17895", "7")) {
		xlog("L_WARN", "malformed SIP request from $si:$sp\\n");
		exit;
	}
}

# in-dialog requests follow the record-routed path
route[WITHINDLG] {
	if (!has_totag()) return;

	if (loose_route()) {
		route(DLGURI);
		if (is_method("BYE")) {
			rtpengine_delete();
			$sht(wsdlg=>$ci) = $null;
		} else if (is_method("ACK")) {
			route(ACK_SDP);
		} else if (is_method("NOTIFY")) {
			record_route();
		}
		route(RELAY);
		exit;
	}

	if (is_method("ACK")) {
		if (t_check_trans()) {
			# ACK to a negative reply of a forwarded INVITE
			route(RELAY);
			exit;
		}
		exit;
	}
	# a watcher refreshing or ending its subscription with this presence server
	if (is_method("SUBSCRIBE") && uri == myself) {
		route(PRESENCE);
	}
	sl_send_reply("404", "Not here");
	exit;
}

# SUBSCRIBE and PUBLISH: the presence server (or 489, as from a PBX without one)
route[PRESENCE] {
#!ifdef WITH_PRESENCE
	if (!has_totag()) {
		# the presentity is a lab extension
		if (!(uri == myself && $sht(accounts=>$rU) != $null)) {
			sl_send_reply("404", "Not Found");
			exit;
		}
		# a desk publishes its own state only
		if (is_method("PUBLISH") && !isflagset(FLT_PUA_LOCAL) && $avp(authed_user) != $rU) {
			xlog("L_NOTICE", "PUBLISH for $rU by '$avp(authed_user)' refused\\n");
			sl_send_reply("403", "Publish Your Own State Only");
			exit;
		}
	}
	if (is_method("SUBSCRIBE") && isflagset(FLT_SRC_WS)) {
		# NOTIFYs go back over the watcher's WebSocket connection: its Contact (".invalid") becomes
		# the address the connection comes from before the presence module keeps it
		fix_nated_contact();
		msg_apply_changes();
	}
	if (!t_newtran()) {
		sl_reply_error();
		exit;
	}
	if (is_method("PUBLISH")) {
		handle_publish();
	} else {
		handle_subscribe();
	}
	t_release();
#!else
	xlog("L_INFO", "$rm for $rU ($hdr(Event)) from $fU refused: no presence server\\n");
	sl_send_reply("489", "Bad Event");
#!endif
	exit;
}

#!ifdef WITH_PRESENCE
# Publish the calls of lab extensions (caller and callee) as dialog-info, for BLF watchers; the
# presentity is always sip:<extension>@LAB_DOMAIN, whatever host the request names.
route[BLF] {
	if (from_uri == myself && $sht(accounts=>$fU) != $null) {
		$avp(blf_caller) = "sip:" + $fU + "@LAB_DOMAIN";
	} else {
		setflag(FLT_NO_CALLER_BLF);
	}
	if (uri == myself && $sht(accounts=>$rU) != $null) {
		$avp(blf_callee) = "sip:" + $rU + "@LAB_DOMAIN";
	} else {
		setflag(FLT_NO_CALLEE_BLF);
	}
	if (!(isflagset(FLT_NO_CALLER_BLF) && isflagset(FLT_NO_CALLEE_BLF))) setflag(FLT_BLF);
}
#!endif

route[DLGURI] {
	if (!isdsturiset()) {
		handle_ruri_alias();
	}
}

# digest auth for REGISTER, for WebSocket clients and for anyone claiming an extension;
# other requests from the loopback over udp/tcp are the trusted carrier trunk
route[AUTH] {
	if (src_ip != LAB_IP) {
		sl_send_reply("403", "Lab is loopback-only");
		exit;
	}
	if (!(is_method("REGISTER") || isflagset(FLT_SRC_WS) || from_uri == myself)) {
		return;
	}
	# msilo's own MESSAGEs (stored ones going out), from this proxy's own socket
	if (is_method("MESSAGE") && src_ip == LAB_IP && src_port == SIP_PORT && $proto == "udp") {
		return;
	}
	if (is_method("ACK|CANCEL")) return;

	if (!has_credentials("LAB_REALM")) {
		auth_challenge("LAB_REALM", "1");
		exit;
	}
	$var(pw) = $sht(accounts=>$au);
	if ($var(pw) == $null) {
		xlog("L_NOTICE", "auth: unknown user '$au' for $rm from $si:$sp/$proto\\n");
		auth_challenge("LAB_REALM", "1");
		exit;
	}
	if (!pv_auth_check("LAB_REALM", "$var(pw)", "0", "1")) {
		$var(rc) = $rc;
		xlog("L_NOTICE", "auth: failed ($var(rc)) for '$au' $rm from $si:$sp/$proto\\n");
		if ($var(rc) == -8) {
			sl_send_reply("403", "Username Mismatch");
			exit;
		}
		auth_challenge("LAB_REALM", "1");
		exit;
	}
	$avp(authed_user) = $au;
	if (!is_method("REGISTER")) {
		consume_credentials();
	}
	setflag(FLT_AUTHED);
}

route[NATDETECT] {
	if (nat_uac_test("64")) {
		# WebSocket: always "behind NAT" - reach it over its connection
		if (is_method("REGISTER")) {
			fix_nated_register();
		} else if (is_first_hop()) {
			set_contact_alias();
		}
		setflag(FLT_NATS);
	} else if (nat_uac_test("18")) {
		if (is_method("REGISTER")) {
			fix_nated_register();
		} else if (is_first_hop()) {
			set_contact_alias();
		}
		setflag(FLT_NATS);
	}
}

route[REGISTRAR] {
	if (isflagset(FLT_NATS)) {
		setbflag(FLB_NATB);
	}
	if (isflagset(FLT_SRC_WS)) {
		setbflag(FLB_WS);
	}
#!ifdef WITH_PRESENCE
	# the extension's registration becomes its presence (open while registered)
	setbflag(FLB_PUBLISH);
	pua_set_publish();
#!endif
	if (!save("location")) {
		sl_reply_error();
		exit;
	}
	# back online: the messages stored while the extension was away go out now
	if (!($hdr(Expires) =~ "^ *0 *$") && !($ct =~ "expires= *0([^0-9]|$)")) {
		m_dump();
	}
	exit;
}

# MESSAGE for an extension that is away: kept by msilo (with Frontdesk's structured header) and
# answered 202 Accepted; it goes out when the extension registers again
route[MSG_STORE] {
	if ($hdr(X-Frontdesk-Message) != $null) {
		$avp(msilo_hdrs) = "X-Frontdesk-Message: " + $hdr(X-Frontdesk-Message) + "\\r\\n";
	}
	if (m_store("$ru")) {
		xlog("L_INFO", "MESSAGE to $rU stored for later (msilo)\\n");
		t_reply("202", "Accepted");
	} else {
		t_reply("503", "Service Unavailable");
	}
	exit;
}

route[LOCATION] {
	if (!lookup("location")) {
		$var(rc) = $rc;
		switch ($var(rc)) {
			case -2:
				sl_send_reply("405", "Method Not Allowed");
				exit;
			default:
				xlog("L_INFO", "$rm to $rU: extension not registered\\n");
				if (is_method("MESSAGE")) {
					if (!t_newtran()) {
						sl_reply_error();
						exit;
					}
					route(MSG_STORE);
				}
				sl_send_reply("480", "Temporarily Unavailable");
				exit;
		}
	}
	if (is_method("MESSAGE")) {
		$avp(msg_ruri) = $ru;
		t_on_failure("MESSAGE_FAILURE");
	}
	xlog("L_INFO", "$rm from $fu ($si:$sp/$proto) to extension $rU\\n");
	route(RELAY);
	exit;
}

# numbers that are not lab extensions, dialled by an authenticated extension
route[PSTN] {
	if ($rU =~ "^[+]?[0-9*#]{2,32}$") {
		xlog("L_INFO", "$rm from $fu to $rU via PSTN gateway PSTN_GW\\n");
		$ru = "sip:" + $rU + "@PSTN_GW";
		$du = "sip:PSTN_GW;transport=udp";
		route(RELAY);
	}
}

route[RELAY] {
	if (is_method("INVITE|UPDATE")) {
		# (a multipart body with an SDP part, as gateways send beside ISUP, is an offer too)
		if (!has_body("application/sdp") && !has_body("multipart/mixed")) {
			setflag(FLT_LATE_OFFER);
		}
		if (!t_is_set("onreply_route")) t_on_reply("MANAGE_REPLY");
	}
	if (is_method("INVITE")) {
		if (!t_is_set("failure_route")) t_on_failure("MANAGE_FAILURE");
	}
	if (!t_is_set("branch_route")) t_on_branch("MANAGE_BRANCH");

	if (!t_relay()) {
		sl_reply_error();
	}
	exit;
}

# $var(dst_ws) = 1 when the request goes to a WebSocket client
route[DST_KIND] {
	$var(dst_ws) = 0;
	if (isbflagset(FLB_WS)) {
		$var(dst_ws) = 1;
	} else if (isdsturiset()) {
		if ($du =~ ";transport=wss?") $var(dst_ws) = 1;
	} else if ($ru =~ ";transport=wss?") {
		$var(dst_ws) = 1;
	}
}

# rtpengine flags for SDP in a reply: it goes back to the caller of the transaction
route[SRC_RTP_FLAGS] {
	if (isflagset(FLT_SRC_WS) && isflagset(FLT_LATE_OFFER)) {
		$var(rtpflags) = RTP_TO_WEBRTC;
	} else if (isflagset(FLT_SRC_WS)) {
		$var(rtpflags) = RTP_ANSWER_TO_WEBRTC;
	} else {
		$var(rtpflags) = RTP_TO_PLAIN;
	}
	if (isflagset(FLT_INITIAL) && is_method("INVITE")) {
		$avp(rtp_branch) = "b" + $T_branch_idx;
		$var(rtpflags) = $var(rtpflags) + " via-branch=extra";
	}
}

# late offer: the answer comes in the ACK and goes to the callee
route[ACK_SDP] {
	if (has_body("application/sdp")) {
		route(DST_KIND);
		if ($var(dst_ws) == 1) {
			rtpengine_answer(RTP_ANSWER_TO_WEBRTC);
		} else {
			rtpengine_answer(RTP_TO_PLAIN);
		}
	}
}

branch_route[MANAGE_BRANCH] {
	route(DST_KIND);
	if ($var(dst_ws) == 1 || isbflagset(FLB_NATB)) {
		# never open connections to clients: they connected to us
		set_forward_no_connect();
	}
	if (is_method("INVITE|UPDATE") && (has_body("application/sdp") || has_body("multipart/mixed"))) {
		if ($var(dst_ws) == 1) {
			$var(rtpflags) = RTP_TO_WEBRTC;
		} else {
			$var(rtpflags) = RTP_TO_PLAIN;
		}
		if (isflagset(FLT_INITIAL) && is_method("INVITE")) {
			$avp(rtp_branch) = "b" + $T_branch_idx;
			$var(rtpflags) = $var(rtpflags) + " via-branch=extra";
		}
		xlog("L_INFO", "rtpengine offer to branch $T_branch_idx ($ru): $var(rtpflags)\\n");
		if (!rtpengine_offer("$var(rtpflags)")) {
			xlog("L_ERR", "rtpengine_offer failed for branch $T_branch_idx to $ru\\n");
		}
	}
}

onreply_route[MANAGE_REPLY] {
	if (nat_uac_test("64")) {
		# a WebSocket callee: in-dialog requests must reach it over its connection
		set_contact_alias();
	}
	if (is_method("INVITE") && status =~ "^2[0-9][0-9]$") route(TRACK_WS_DIALOG);
	if (is_method("INVITE|UPDATE") && status =~ "^(18[0-9]|2[0-9][0-9])$" && has_body("application/sdp")) {
		route(SRC_RTP_FLAGS);
		xlog("L_INFO", "rtpengine on $rs reply from branch $T_branch_idx: $var(rtpflags)\\n");
		if (isflagset(FLT_LATE_OFFER)) {
			rtpengine_offer("$var(rtpflags)");
		} else {
			rtpengine_answer("$var(rtpflags)");
		}
	}
}

failure_route[MANAGE_FAILURE] {
	# the initial INVITE failed on every branch: free its media ports
	# (a CANCELled call was already deleted when the CANCEL passed)
	if (isflagset(FLT_INITIAL) && !t_is_canceled()) {
		rtpengine_delete();
	}
}

# a MESSAGE the extension's phones did not take because they are gone (timeout, 480): store it;
# one they refused (415 and the like) stays refused
failure_route[MESSAGE_FAILURE] {
	if (t_is_canceled()) exit;
	if ($T_reply_code == 408 || $T_reply_code == 480) {
		$ru = $avp(msg_ruri);
		route(MSG_STORE);
	}
}

reply_route {
	if (!sanity_check("17604", "6")) {
		xlog("L_WARN", "malformed SIP reply from $si:$sp\\n");
		drop;
	}
}

# HTTP on the WebSocket port: WebSocket upgrades and JSON-RPC at /RPC
event_route[xhttp:request] {
	set_reply_close();
	set_reply_no_connect();
	if ($Rp != WS_PORT) {
		xhttp_reply("403", "Forbidden", "text/plain", "HTTP only on port WS_PORT\\n");
		exit;
	}
	if ($hdr(Upgrade) =~ "websocket" && $hdr(Connection) =~ "Upgrade" && $rm =~ "GET") {
		if (ws_handle_handshake()) {
			exit;
		}
	}
	if ($hu =~ "^/RPC") {
		jsonrpc_dispatch();
		exit;
	}
	xhttp_reply("404", "Not Found", "text/plain", "Frontdesk lab PBX: use ws://LAB_IP:WS_PORT for SIP over WebSocket\\n");
}

# An answered call with a party on a WebSocket: remember which connection(s), to end the call if
# one of them closes (the page crashed, the PC lost power). A real PBX does the same with its own
# means (RTP timeout, SIP session timers, ICE consent): see the README.
route[TRACK_WS_DIALOG] {
	$var(peers) = ",";
	if ($avp(caller_ws) != $null) $var(peers) = $var(peers) + $avp(caller_ws) + ",";
	if ($proto == "ws" || $proto == "wss") $var(peers) = $var(peers) + $si + ":" + $sp + ",";
	if ($var(peers) != ",") $sht(wsdlg=>$ci) = $var(peers) + ";" + $ft + ";" + $tt;
}

event_route[dialog:end] {
	$sht(wsdlg=>$dlg(callid)) = $null;
}

event_route[websocket:closed] {
	xlog("L_INFO", "WebSocket connection from $si:$sp closed\\n");
	# End every call that had a party on this connection: the other party gets a BYE now instead
	# of a dead line. First the calls are collected, then ended: ending one runs dialog:end, which
	# removes its entry from wsdlg, and removing the entry the iterator stands on crashes Kamailio
	# (seen: SIGSEGV in pv_get_iterator_val, and the whole lab went down).
	$var(mine) = "," + $si + ":" + $sp + ",";
	$avp(ws_end) = $null;
	sht_iterator_start("it", "wsdlg");
	while (sht_iterator_next("it")) {
		$var(v) = $shtitval(it);
		if ($(var(v){s.select,0,;}) =~ $var(mine)) {
			$avp(ws_end) = $shtitkey(it) + ";" + $(var(v){s.select,1,;}) + ";" + $(var(v){s.select,2,;});
		}
	}
	sht_iterator_end("it");
	$var(i) = 0;
	while ($(avp(ws_end)[$var(i)]) != $null) {
		$var(e) = $(avp(ws_end)[$var(i)]);
		$var(ci) = $(var(e){s.select,0,;});
		$var(ft) = $(var(e){s.select,1,;});
		$var(tt) = $(var(e){s.select,2,;});
		xlog("L_INFO", "ending call $var(ci): a party's WebSocket connection closed\\n");
		jsonrpc_exec('{"jsonrpc":"2.0","method":"dlg.terminate_dlg","params":["$var(ci)","$var(ft)","$var(tt)"],"id":1}');
		xlog("L_INFO", "dlg.terminate_dlg: $jsonrpl(body)\\n");
		rtpengine_delete("call-id=$var(ci)");
		$var(i) = $var(i) + 1;
	}
	$avp(ws_end) = $null;
}
`;
}

export interface KamailioCommandOptions {
  stateDir: string;
  sharedMemMb?: number;
  pkgMemMb?: number;
}

/** argv for running Kamailio in the foreground (the caller redirects stderr to the log). */
export function kamailioCommand(opts: KamailioCommandOptions): string[] {
  const p = kamailioPaths(opts.stateDir);
  return [
    kamailioBinary,
    '-DD', // do not daemonize: the lab tracks this very process
    '-E', // log to stderr (redirected to kamailio.log)
    '-f', p.cfg,
    '-P', p.pid,
    '-w', opts.stateDir,
    '-Y', p.runDir,
    '-m', String(opts.sharedMemMb ?? 64),
    '-M', String(opts.pkgMemMb ?? 8),
  ];
}

/**
 * Writes kamailio.cfg (and the runtime dir) into the state dir; returns the paths. With presence,
 * the presence tables start empty: a fresh copy of Debian's db_text schema files.
 */
export function writeKamailioConfig(stateDir: string, opts: KamailioConfigOptions = {}): KamailioPaths {
  const p = kamailioPaths(stateDir);
  fs.mkdirSync(p.runDir, { recursive: true });
  const presence = opts.presence ?? labPresenceByDefault();
  const presenceDbDir = path.join(stateDir, 'kamailio-db');
  if (presence) {
    fs.rmSync(presenceDbDir, { recursive: true, force: true });
    fs.mkdirSync(presenceDbDir, { recursive: true });
    for (const table of presenceTables) {
      const schema = path.join(dbTextSchemaDir, table);
      if (!fs.existsSync(schema)) throw new Error(`${schema} is missing: the lab's presence server needs Debian's kamailio package (bash scripts/install-deps.sh)`);
      fs.copyFileSync(schema, path.join(presenceDbDir, table));
    }
  }
  // A fresh lab starts with no stored messages, like its registrations.
  fs.mkdirSync(p.msiloDb, { recursive: true });
  for (const [table, text] of Object.entries(msiloTables)) fs.writeFileSync(path.join(p.msiloDb, table), text);
  fs.writeFileSync(p.cfg, generateKamailioConfig({ msiloDb: path.resolve(p.msiloDb), ...opts, presence, presenceDbDir }));
  return p;
}
