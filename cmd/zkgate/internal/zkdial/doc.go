// Package zkdial opens ZooKeeper-protocol sessions (go-zookeeper) for
// zkgate's client commands (migrate, diff, bench --zk) within a bound, and
// when it cannot, says in one line which address failed and why.
//
// go-zookeeper on its own retries forever: a refused port is retried once
// a second, and a port that accepts and never answers holds the handshake
// for ten times two thirds of the session timeout (200 s for 30 s). Dial
// watches each attempt instead, through the hooks go-zookeeper offers:
//
//   - its dialer (WithDialer): the dial error of each address, such as
//     "connection refused"; the connection it returns keeps every read
//     of the handshake within the attempt's share of the bound, so a
//     server that accepts and never answers is "no answer within 2s";
//   - its host provider (WithHostProvider): go-zookeeper reports through
//     Next when it has tried every address once without a session; Dial
//     then gives up at once, with every address's cause, rather than
//     wait out the bound;
//   - its session events (WithEventCallback): StateHasSession ends the
//     wait; StateExpired (a connect response without a session) is
//     "session expired";
//   - its logger (WithLogger): the "authentication failed" line it logs
//     when a handshake fails other than by a read error, that is when
//     the answer is not a ZooKeeper connect response. Nothing is printed.
//
// Each address gets an equal share of Options.DialTimeout for its dial
// and handshake; the whole of Dial is bounded by DialTimeout plus the
// one-second pause go-zookeeper takes between rounds. Credentials
// (Options.Auth) are added once the session is up; a refusal is "auth
// failed" with the scheme and the server's address, never the secret.
//
// With Options.SASL each connection authenticates with SASL (DIGEST-MD5
// or GSSAPI, package sasl) once its session is established: the
// connection reads the ConnectResponse go-zookeeper (which has no SASL)
// awaits, runs the exchange in sasl requests as the Java client sends
// them, then hands the ConnectResponse on. A refusal ends Dial at once,
// naming the address, the mechanism, the identity and the cause; go-
// zookeeper is not left to reconnect.
//
// The errors read, for example:
//
//	cannot reach 127.0.0.1:9: connection refused
//	127.0.0.1:40123: no answer within 2s
//	127.0.0.1:40123: closed the connection without a session (EOF)
//	127.0.0.1:40123: answered, but not as a ZooKeeper server (zk: buffer too small)
//	127.0.0.1:40123: session expired
//	127.0.0.1:2181: auth failed (scheme foo): the server refused the credentials
//	localhost:2181: SASL DIGEST-MD5 authentication as bob failed: the server answered AuthFailed (a wrong password, or a user it does not know)
//
// several addresses' causes joined with "; ".
package zkdial
