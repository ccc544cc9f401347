// Package admin serves ZooKeeper 3.8's AdminServer commands over HTTP:
// GET /commands/<name> answers one command as JSON, GET /commands lists
// them as HTML links, as ZooKeeper's AdminServer (admin.serverPort,
// 8080 by default there) does.
//
// zkgate serves Handler on its client URLs (beside etcd's API, /health
// and /metrics) and, with serve --admin-listen, on a port of its own
// like ZooKeeper's admin.serverPort; TLS when the client URLs use it.
//
// # Commands
//
// The commands and their aliases are ZooKeeper 3.8's: ruok,
// server_stats (srvr), monitor (mntr), configuration (conf),
// connections (cons), environment (envi), watch_summary (wchs), watches
// (wchc), watches_by_path (wchp), dirs, is_read_only (isro), stats
// (stat), leader (lead), voting_view, last_snapshot (lsnp) and
// initial_configuration (icfg). Each answers what the four-letter word
// of the same meaning answers on the ZooKeeper port, from the same
// sources (zkbridge's Server), in the JSON shape ZooKeeper 3.8 answers
// (measured: zkbridge/testdata/zookeeper-3.8-admin-*.json; the summary
// is in gateway/testdata/zookeeper-3.8-behaviour.md, "AdminServer
// commands"):
//
//   - every answer is an object ending with "command" (the command's
//     primary name, also when called by its alias) and "error" (null, or
//     the reason), with status 200 and Content-Type application/json;
//   - an unknown command answers {"command": name, "error": "Unknown
//     command: name"} with status 200; ZooKeeper's commands that zkgate
//     does not implement (hash, stat_reset, zabstate, ...) answer
//     "<name> is not supported by zkgate" in the same form;
//   - without a quorum every command but environment answers the error
//     "This ZooKeeper instance is not currently serving requests";
//   - a method other than GET (or HEAD) answers 405.
//
// Keys ZooKeeper answers that have no meaning in zkgate are left out;
// zkbridge.AdminKeysLeftOut lists them with the reason.
//
// # Differences from ZooKeeper
//
// ZooKeeper 3.8 applies no four-letter-word whitelist to its
// AdminServer (measured: a server whose 4lw.commands.whitelist is "srvr,
// ruok" answers /commands/monitor), and neither does zkgate: the
// whitelist (zk-4lw-whitelist) governs the ZooKeeper port's four-letter
// words only. ZooKeeper answers monitor without a quorum with a 500
// (a NullPointerException in its answer); zkgate answers the
// not-serving error as for the other commands. JSON is indented with
// two spaces, but not byte for byte as ZooKeeper's Jackson prints it
// ("key": value rather than "key" : value).
package admin
