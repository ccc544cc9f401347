package sasl

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	krbclient "github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/types"
)

// ClientOptions are a ZooKeeper client's system properties about SASL.
type ClientOptions struct {
	// Service is zookeeper.sasl.client.username: the service part of the
	// server's principal, SERVICE/HOST ("zookeeper" if empty).
	Service string
	// Krb5Conf is the krb5.conf a Kerberos login reads (Java's
	// java.security.krb5.conf); empty: the first file of KRB5_CONFIG, else
	// /etc/krb5.conf.
	Krb5Conf string
}

// DefaultService is the service name of ZooKeeper's server principal.
const DefaultService = "zookeeper"

// ClientConfig is what a ZooKeeper client's JAAS section configures: the
// mechanism and the credentials each connection's Client uses. Login
// (Kerberos) is done once, by Login; NewClient then starts an exchange
// with one server. It is safe for concurrent use.
type ClientConfig struct {
	mechanism string
	// DIGEST-MD5
	user, password string
	// GSSAPI
	krb       *krbclient.Client
	principal string // as the section gives it, realm included
	service   string
}

// NewClientConfig reads the section (ZooKeeper's is "Client") of a JAAS
// configuration:
//
//   - org.apache.zookeeper.server.auth.DigestLoginModule with username
//     and password: DIGEST-MD5;
//   - com.sun.security.auth.module.Krb5LoginModule with useKeyTab=true,
//     keyTab=FILE and principal=NAME[@REALM] (the krb5.conf's default
//     realm if none): GSSAPI, after Login; or with useTicketCache=true
//     (and no useKeyTab), the TGT of kinit's ticket cache (ticketCache=
//     FILE, KRB5CCNAME or /tmp/krb5cc_UID), which is not renewed.
//
// The keytab is read here; nothing is sent anywhere. Errors name the file
// options, never a password.
func NewClientConfig(j JAAS, section string, opts ClientOptions) (*ClientConfig, error) {
	mods, ok := j[section]
	if !ok {
		names := make([]string, 0, len(j))
		for n := range j {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("JAAS: no %s section (sections: %s)", section, strings.Join(names, ", "))
	}
	if len(mods) != 1 {
		return nil, fmt.Errorf("JAAS %s section: %d login modules, want one", section, len(mods))
	}
	m := mods[0]
	c := &ClientConfig{service: opts.Service}
	if c.service == "" {
		c.service = DefaultService
	}
	switch m.Class {
	case DigestLoginModule:
		user, hasUser := m.Options["username"]
		password, hasPassword := m.Options["password"]
		if !hasUser || !hasPassword {
			return nil, fmt.Errorf("JAAS %s section: %s needs username and password", section, DigestLoginModule)
		}
		c.mechanism, c.user, c.password = "DIGEST-MD5", user, password
	case Krb5LoginModule:
		if err := c.kerberos(m, opts); err != nil {
			return nil, fmt.Errorf("JAAS %s section: %w", section, err)
		}
	default:
		return nil, fmt.Errorf("JAAS %s section: login module %s is not supported (%s and %s are)", section, m.Class, DigestLoginModule, Krb5LoginModule)
	}
	return c, nil
}

func (c *ClientConfig) kerberos(m LoginModule, opts ClientOptions) error {
	o := func(k string) string { return m.Options[k] }
	useKeyTab, useCache := strings.EqualFold(o("useKeyTab"), "true"), strings.EqualFold(o("useTicketCache"), "true")
	if !useKeyTab && !useCache {
		return errors.New("Krb5LoginModule: useKeyTab=true (with keyTab and principal) or useTicketCache=true is needed")
	}
	confPath := opts.Krb5Conf
	if confPath == "" {
		confPath = "/etc/krb5.conf"
		if env := os.Getenv("KRB5_CONFIG"); env != "" {
			confPath, _, _ = strings.Cut(env, ":")
		}
	}
	conf, err := config.Load(confPath)
	if err != nil {
		return fmt.Errorf("Krb5LoginModule: krb5.conf: %w", err)
	}
	if !useKeyTab {
		return c.ticketCache(o("ticketCache"), o("principal"), conf)
	}
	path, principal := o("keyTab"), o("principal")
	if path == "" || principal == "" {
		return errors.New("Krb5LoginModule: keyTab and principal are needed")
	}
	kt, err := keytab.Load(path)
	if err != nil {
		return fmt.Errorf("Krb5LoginModule: reading keyTab %s: %w", path, err)
	}
	user, realm := principal, conf.LibDefaults.DefaultRealm
	if at := strings.LastIndexByte(principal, '@'); at >= 0 {
		user, realm = principal[:at], principal[at+1:]
	}
	if realm == "" {
		return fmt.Errorf("Krb5LoginModule: principal %s has no realm, and %s no default_realm", principal, confPath)
	}
	if !hasKey(kt, user, realm) {
		return fmt.Errorf("Krb5LoginModule: keyTab %s has no key for %s@%s", path, user, realm)
	}
	c.mechanism, c.principal = "GSSAPI", user+"@"+realm
	c.krb = krbclient.NewWithKeytab(user, realm, kt, conf, krbclient.DisablePAFXFAST(true))
	return nil
}

// ticketCache sets up a client from a ticket cache (kinit's), as
// Krb5LoginModule's useTicketCache=true reads it: ticketCache=FILE, else
// KRB5CCNAME (a FILE: cache), else /tmp/krb5cc_UID. A principal, if
// given, must be the cache's. Its tickets are not renewed.
func (c *ClientConfig) ticketCache(path, principal string, conf *config.Config) error {
	if path == "" {
		path = fmt.Sprintf("/tmp/krb5cc_%d", os.Getuid())
		if env := os.Getenv("KRB5CCNAME"); env != "" {
			kind, rest, ok := strings.Cut(env, ":")
			switch {
			case !ok:
				path = env
			case kind == "FILE":
				path = rest
			default:
				return fmt.Errorf("Krb5LoginModule: KRB5CCNAME is a %s cache: only a FILE cache is read", kind)
			}
		}
	}
	cc, err := credentials.LoadCCache(path)
	if err != nil {
		return fmt.Errorf("Krb5LoginModule: reading the ticket cache %s: %w", path, err)
	}
	cl, err := krbclient.NewFromCCache(cc, conf, krbclient.DisablePAFXFAST(true))
	if err != nil {
		return fmt.Errorf("Krb5LoginModule: the ticket cache %s: %s", path, krbReason(err))
	}
	name := cc.GetClientPrincipalName().PrincipalNameString() + "@" + cc.GetClientRealm()
	if principal != "" && principal != name && principal+"@"+conf.LibDefaults.DefaultRealm != name {
		return fmt.Errorf("Krb5LoginModule: the ticket cache %s holds %s, not %s", path, name, principal)
	}
	c.mechanism, c.principal, c.krb = "GSSAPI", name, cl
	return nil
}

// Mechanism is DIGEST-MD5 or GSSAPI.
func (c *ClientConfig) Mechanism() string { return c.mechanism }

// Identity is who the client authenticates as: the user name, or the
// principal (for messages; it is no secret).
func (c *ClientConfig) Identity() string {
	if c.krb != nil {
		return c.principal
	}
	return c.user
}

// Login logs in to the KDC with the keytab (GSSAPI; nothing to do for
// DIGEST-MD5). Its error says why, as the KDC or the keytab does (a
// principal the keytab has no key for, one the KDC does not know).
func (c *ClientConfig) Login() error {
	if c.krb == nil {
		return nil
	}
	if err := c.krb.Login(); err != nil {
		return fmt.Errorf("the Kerberos login as %s failed: %s", c.principal, kdcReason(err))
	}
	return nil
}

// ServerPrincipal is the principal a client asks a service ticket for to
// reach host, as ZooKeeper's Java client names it: SERVICE/HOST.
func (c *ClientConfig) ServerPrincipal(host string) string { return c.service + "/" + host }

// NewClient starts an exchange with the server at host (its name, as the
// service principal has it). For GSSAPI it gets the service ticket for
// ServerPrincipal(host) from the KDC (after Login).
func (c *ClientConfig) NewClient(host string) (Client, error) {
	if c.krb == nil {
		return NewDigestClient(c.user, c.password), nil
	}
	spn := c.ServerPrincipal(host)
	tkt, key, err := c.krb.GetServiceTicket(spn)
	if err != nil {
		return nil, fmt.Errorf("no service ticket for %s: %s", spn, kdcReason(err))
	}
	cname := types.NewPrincipalName(1, c.krb.Credentials.UserName()) // KRB_NT_PRINCIPAL
	return newGSSAPIClient(tkt, key, cname, c.krb.Credentials.Domain()), nil
}

// hasKey reports whether kt holds a key of the principal user@realm.
func hasKey(kt *keytab.Keytab, user, realm string) bool {
	want := strings.Split(user, "/")
	for _, e := range kt.Entries {
		if e.Principal.Realm == realm && slices.Equal(e.Principal.Components, want) {
			return true
		}
	}
	return false
}

// kdcReason is a gokrb5 client error for a message: the KDC's error code
// and text when it answered one ("the KDC answered (7)
// KDC_ERR_S_PRINCIPAL_UNKNOWN Server not found in Kerberos database"),
// else the error, shortened.
func kdcReason(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, "KRB Error: "); i >= 0 {
		s = "the KDC answered " + s[i+len("KRB Error: "):]
		if j := strings.Index(s, " - "); j >= 0 {
			s = s[:j]
		}
	}
	return krbReason(errors.New(s))
}
