// Package sasl is the SASL authentication ZooKeeper does on its client
// port, server and client sides, and the JAAS files that configure them.
//
// A ZooKeeper server reads the Server section of the JAAS file named by
// -Djava.security.auth.login.config; zkgate reads the same file
// (--zk-jaas-config), so an operator moves it over unchanged. LoadJAAS
// parses it, NewServerConfig reads the section, and each connection that
// sends a sasl request gets a Server from ServerConfig.NewServer: a state
// machine without I/O that takes the client's tokens and returns the
// server's, as zkbridge carries them in sasl requests and replies.
//
// Mechanisms, as ZooKeeper 3.8 has them (its server offers one, chosen by
// the section):
//
//   - DIGEST-MD5 (RFC 2831) with DigestLoginModule's user_<name>="<password>"
//     options, quality of protection "auth" only (no integrity or
//     confidentiality layer, as ZooKeeper negotiates it), realm and server
//     name "zk-sasl-md5". The identity is the user name.
//   - GSSAPI (RFC 4752 over Kerberos V5, RFC 4121) with Krb5LoginModule's
//     useKeyTab=true keyTab=FILE principal=SERVICE/HOST@REALM, through
//     github.com/jcmturner/gokrb5: the client's AP-REQ is checked with the
//     keytab (no KDC is contacted: unlike ZooKeeper, which logs in to the
//     KDC at start and refuses to start with a stale keytab, zkgate starts
//     and refuses the clients), mutual authentication is answered with an
//     AP-REP, and the security layer negotiation offers no layer, as
//     ZooKeeper's. RFC 4121 tokens only (AES and newer enctypes; DES and
//     RC4 tickets are refused). The identity is the client principal.
//
// What a session gets is the identity "sasl:<id>", <id> canonicalised as
// ZooKeeper's SaslServerCallbackHandler does (see ServerOptions). zkgate
// has no krb5.conf auth_to_local rules: the DEFAULT rule is applied with
// the server principal's realm as the default realm.
//
// The client side reads a ZooKeeper client's JAAS section (Client):
// NewClientConfig, then ClientConfig.NewClient for each connection, a
// Client state machine whose tokens the caller carries in sasl requests.
// DigestLoginModule's username and password make a DIGEST-MD5 client;
// Krb5LoginModule's keytab and principal (or useTicketCache, kinit's
// ticket cache) a GSSAPI one, which logs in to the KDC (krb5.conf as java.security.krb5.conf, KRB5_CONFIG or
// /etc/krb5.conf names it), asks for a ticket to SERVICE/HOST (service
// "zookeeper" unless zookeeper.sasl.client.username says otherwise),
// checks the server's AP-REP (mutual authentication) and its wrap token,
// and chooses no security layer, as ZooKeeper's Java client does.
//
// Errors wrap ErrMalformed, ErrBadCredentials or ErrExchangeOver; none
// quotes a token, a password or a key.
package sasl
