package main

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/zkgate/zkgate/schema"
)

// ctlAddAuth is zkCli.sh's addauth. ctl runs one command per invocation,
// so credentials added by one invocation would be gone before the next:
// addauth checks SCHEME and AUTH and says how to give them to a verb, with
// --auth SCHEME:AUTH on the same command line.
func ctlAddAuth(o *ctlOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "addauth SCHEME AUTH",
		Short: "Check credentials and tell how to use them: a ctl command takes them with --auth",
		Long: `addauth is zkCli.sh's verb. zkCli.sh keeps the credentials for the rest of
its session; ctl runs one command per invocation, so credentials last for
that command only and are given with --auth SCHEME:AUTH (repeatable):

  zkgate ctl --auth digest:alice:secret get /app

addauth SCHEME AUTH checks the credentials as the server would (digest
and ip; x509 is the subject of the client certificate given with --cert)
and prints how to pass them (without echoing AUTH). sasl is negotiated
on the ZooKeeper port only (zkCli.sh or kazoo with a JAAS file or
sasl_options): ctl, lock and elect use the namespace API.`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("accepts SCHEME AUTH, received %d arg(s): credentials last for one ctl command, give them with --auth SCHEME:AUTH, e.g. 'zkgate ctl --auth digest:alice:secret get /app'", len(args))
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := namespaceAuthScheme(args[0], o.tls.cert != ""); err != nil {
				return err
			}
			if args[0] == schema.SchemeX509 {
				fmt.Fprintln(cmd.OutOrStdout(), "x509 is the subject of --cert, which every ctl command with --cert holds")
				return nil
			}
			if _, err := schema.AuthFromCredentials(args[0], []byte(args[1]), "127.0.0.1"); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "credentials are good; they last for one ctl command: zkgate ctl --auth %s:AUTH VERB ...\n", args[0])
			return nil
		},
	}
	return cmd
}

// ctlWhoAmI is zkCli.sh's whoami: the identities the node holds for ctl's
// requests, in ZooKeeper's order. They are derived the way the node
// derives them (schema.AuthFromCredentials, schema.AuthSetOrder): the ip
// identity of the address ctl connects from, the x509 identity of --cert,
// then one per --auth. whoami
// sends nothing: the namespace API has no whoAmI request.
func ctlWhoAmI(o *ctlOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Print the identities (ip, --cert, --auth) the node holds for ctl's requests, as zkCli",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if len(o.endpoints) == 0 {
				return errors.New("--endpoints: none given")
			}
			u, err := url.Parse(o.endpoints[0])
			if err != nil || u.Host == "" {
				return fmt.Errorf("--endpoints %q: not a URL such as http://127.0.0.1:2379", o.endpoints[0])
			}
			ip, err := localIP(u.Host)
			if err != nil {
				return fmt.Errorf("whoami: finding the address ctl connects to %s from: %w", u.Host, err)
			}
			ipID, err := schema.AuthFromCredentials("ip", nil, ip)
			if err != nil {
				return err
			}
			ids := []schema.AuthID{ipID}
			if o.tls.cert != "" {
				id, err := certX509ID(o.tls.cert)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			for _, a := range o.auth {
				scheme, cred, ok := strings.Cut(a, ":")
				if !ok {
					return fmt.Errorf("--auth %q: must be scheme:credentials", a)
				}
				if err := namespaceAuthScheme(scheme, o.tls.cert != ""); err != nil {
					return fmt.Errorf("--auth %s:...: %w", scheme, err)
				}
				if scheme == schema.SchemeX509 {
					continue // the identity of --cert, listed above
				}
				id, err := schema.AuthFromCredentials(scheme, []byte(cred), ip)
				if err != nil {
					return fmt.Errorf("--auth %q: %w", a, err)
				}
				ids = append(ids, id)
			}
			ids = schema.AuthSetOrder(ids)
			out := cmd.OutOrStdout()
			if o.output == "json" {
				var list []map[string]string
				for _, id := range ids {
					list = append(list, map[string]string{"scheme": id.Scheme, "user": whoAmIUser(id)})
				}
				c := &ctlClient{o: o, out: out}
				return c.json(map[string]any{"identities": list})
			}
			fmt.Fprintln(out, "Auth scheme: User")
			for _, id := range ids {
				fmt.Fprintf(out, "%s: %s\n", id.Scheme, whoAmIUser(id))
			}
			return nil
		},
	}
}

// namespaceAuthScheme checks a scheme given to ctl, lock or elect, which
// use the namespace API: sasl is negotiated on the ZooKeeper port only,
// and x509 is the subject of a client certificate, so it needs --cert.
func namespaceAuthScheme(scheme string, hasCert bool) error {
	switch scheme {
	case schema.SchemeSASL:
		return errors.New("sasl is negotiated on the ZooKeeper port (zkCli.sh or kazoo with a JAAS file or sasl_options); the namespace API that ctl, lock and elect use takes digest credentials (--auth digest:USER:PASSWORD) or a client certificate (--cert, the x509 identity)")
	case schema.SchemeX509:
		if !hasCert {
			return errors.New("x509 is the subject of a client certificate: give it with --cert and --key")
		}
	}
	return nil
}

// certX509ID is the x509 identity a client certificate file gives its
// holder on the node (schema.X509ID of its subject).
func certX509ID(file string) (schema.AuthID, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return schema.AuthID{}, fmt.Errorf("--cert: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		return schema.AuthID{}, fmt.Errorf("--cert %s: no PEM certificate", file)
	}
	cert, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return schema.AuthID{}, fmt.Errorf("--cert %s: %w", file, err)
	}
	id, err := schema.X509ID(cert.RawSubject)
	if err != nil {
		return schema.AuthID{}, fmt.Errorf("--cert %s: %w", file, err)
	}
	return schema.AuthID{Scheme: schema.SchemeX509, ID: id}, nil
}

// whoAmIUser is the user part of an identity as ZooKeeper's whoAmI reports
// it: a digest id without its hash.
func whoAmIUser(id schema.AuthID) string {
	if id.Scheme == "digest" {
		user, _, _ := strings.Cut(id.ID, ":")
		return user
	}
	return id.ID
}

// localIP is the address the kernel picks to reach hostport, the address
// the node sees ctl's connection come from. Connecting a UDP socket sends
// nothing.
func localIP(hostport string) (string, error) {
	c, err := net.Dial("udp", hostport)
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).IP.String(), nil
}

// ctlVersion is zkCli.sh's version: it prints zkgate's versions, as
// "zkgate version" does, without connecting.
func ctlVersion() *cobra.Command { return newVersionCommand() }
