package sasl

import (
	"fmt"
	"sort"
	"strings"
)

// Login module classes of a ZooKeeper server's JAAS Server section.
const (
	DigestLoginModule = "org.apache.zookeeper.server.auth.DigestLoginModule"
	Krb5LoginModule   = "com.sun.security.auth.module.Krb5LoginModule"
)

// A Server is the server side of one authentication exchange, a state
// machine without I/O: the bridge hands it each token a client sends and
// sends back what Step returns. It is not safe for concurrent use.
type Server interface {
	// Mechanism is the SASL mechanism's name (DIGEST-MD5, GSSAPI).
	Mechanism() string
	// Step takes the client's next token and returns the server's answer.
	// done reports that the client is authenticated (out is then the
	// final token, which is still sent). An error ends the exchange: it
	// wraps ErrMalformed, ErrBadCredentials or ErrExchangeOver and never
	// quotes a token or a password.
	Step(token []byte) (out []byte, done bool, err error)
	// AuthorizationID is the identity the session gets ("sasl:<id>")
	// once Step reported done.
	AuthorizationID() string
}

// ServerOptions are ZooKeeper's system properties about SASL identities.
type ServerOptions struct {
	// RemoveHostFromPrincipal is zookeeper.kerberos.removeHostFromPrincipal:
	// "zk/host@REALM" becomes "zk@REALM".
	RemoveHostFromPrincipal bool
	// RemoveRealmFromPrincipal is
	// zookeeper.kerberos.removeRealmFromPrincipal: "bob@REALM" becomes
	// "bob".
	RemoveRealmFromPrincipal bool
}

// ServerConfig is what a ZooKeeper server's JAAS section configures: one
// mechanism, as ZooKeeper chooses it (GSSAPI when the section logs in
// with Kerberos, DIGEST-MD5 otherwise), and its credentials. It is
// immutable and safe for concurrent use.
type ServerConfig struct {
	mechanism string
	users     map[string]string // DIGEST-MD5: user -> password
	krb       *krbServer        // GSSAPI
	opts      ServerOptions
	// defaultRealm plays krb5.conf's default_realm in KerberosName's
	// DEFAULT rule: the realm of the server's own principal.
	defaultRealm string
}

// NewServerConfig reads the section (ZooKeeper's is "Server") of a JAAS
// configuration:
//
//   - org.apache.zookeeper.server.auth.DigestLoginModule: every option
//     user_<name>="<password>" is a DIGEST-MD5 user (other options, such
//     as the username and password ZooKeeper uses between servers, are
//     ignored, as ZooKeeper ignores them here);
//   - com.sun.security.auth.module.Krb5LoginModule with useKeyTab=true,
//     keyTab=FILE and principal=SERVICE/HOST@REALM makes the mechanism
//     GSSAPI (Kerberos V5), as ZooKeeper chooses GSSAPI when its login has
//     a Kerberos principal; the user_ options are then unused;
//   - any other login module is refused by name.
//
// A missing section, or one that gives neither a user nor a principal,
// is an error.
func NewServerConfig(j JAAS, section string, opts ServerOptions) (*ServerConfig, error) {
	mods, ok := j[section]
	if !ok {
		names := make([]string, 0, len(j))
		for n := range j {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("JAAS: no %s section (sections: %s)", section, strings.Join(names, ", "))
	}
	c := &ServerConfig{mechanism: "DIGEST-MD5", users: map[string]string{}, opts: opts}
	for _, m := range mods {
		switch m.Class {
		case DigestLoginModule:
			for k, v := range m.Options {
				if u, ok := strings.CutPrefix(k, "user_"); ok {
					c.users[u] = v
				}
			}
		case Krb5LoginModule:
			if c.krb != nil {
				return nil, fmt.Errorf("JAAS %s section: more than one %s", section, Krb5LoginModule)
			}
			k, err := newKrbServer(m)
			if err != nil {
				return nil, fmt.Errorf("JAAS %s section: %w", section, err)
			}
			c.krb, c.mechanism, c.defaultRealm = k, "GSSAPI", k.realm
		default:
			return nil, fmt.Errorf("JAAS %s section: login module %s is not supported (%s and %s are)", section, m.Class, DigestLoginModule, Krb5LoginModule)
		}
	}
	if c.krb == nil && len(c.users) == 0 {
		return nil, fmt.Errorf("JAAS %s section: no user_<name>=\"<password>\" option for DIGEST-MD5", section)
	}
	return c, nil
}

// Mechanism is the mechanism every exchange of c uses.
func (c *ServerConfig) Mechanism() string { return c.mechanism }

// NewServer starts an exchange.
func (c *ServerConfig) NewServer() Server {
	if c.krb != nil {
		return &gssapiServer{srv: c.krb, canon: c.canonical}
	}
	return &digestServer{
		newNonce: randomNonce,
		users:    func(u string) (string, bool) { p, ok := c.users[u]; return p, ok },
		canon:    c.canonical,
	}
}

// canonical is the identity ZooKeeper's SaslServerCallbackHandler makes of
// an authenticated name: a name without '/' or '@' is itself; a Kerberos
// name of the default realm is shortened to its first component, followed
// by "/host" and "@REALM" unless the options remove them; a name of
// another realm is kept whole (ZooKeeper's DEFAULT auth_to_local rule
// applies to the default realm only, and the name stays as it was). A
// name KerberosName refuses (an '@' where its pattern has none) fails.
func (c *ServerConfig) canonical(name string) (string, error) {
	k, ok := ParseKerberosName(name)
	if !ok {
		return "", fmt.Errorf("authenticated name is not a valid Kerberos name: %w", ErrBadCredentials)
	}
	if !k.HasHost && !k.HasRealm {
		return name, nil
	}
	if !k.HasRealm || k.Realm != c.defaultRealm {
		return name, nil
	}
	id := k.Service
	if k.HasHost && !c.opts.RemoveHostFromPrincipal {
		id += "/" + k.Host
	}
	if !c.opts.RemoveRealmFromPrincipal {
		id += "@" + k.Realm
	}
	return id, nil
}

// KerberosName is a name split as ZooKeeper's KerberosName splits it:
// service[/host][@realm].
type KerberosName struct {
	Service, Host, Realm string
	HasHost, HasRealm    bool
}

// ParseKerberosName splits name as ZooKeeper's KerberosName does: a name
// with an '@' must be service[/host]@realm with no further '/' or '@'
// (otherwise ok is false); a name without '@' is all service, '/'
// included.
func ParseKerberosName(name string) (KerberosName, bool) {
	at := strings.IndexByte(name, '@')
	if at < 0 {
		return KerberosName{Service: name}, true
	}
	left, realm := name[:at], name[at+1:]
	if strings.ContainsAny(realm, "/@") {
		return KerberosName{}, false
	}
	k := KerberosName{Service: left, Realm: realm, HasRealm: true}
	if svc, host, ok := strings.Cut(left, "/"); ok {
		if strings.ContainsRune(host, '/') {
			return KerberosName{}, false
		}
		k.Service, k.Host, k.HasHost = svc, host, true
	}
	return k, true
}
