package node

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/url"
	"os"
)

// validateTLS checks the certificate options against the URLs and
// listeners that use them, reading every file named so that a missing or
// wrong file is reported before anything starts.
func (c *Options) validateTLS() error {
	if err := checkKeyPair("cert-file", "key-file", c.CertFile, c.KeyFile); err != nil {
		return err
	}
	if err := checkCAFile("trusted-ca-file", c.TrustedCAFile); err != nil {
		return err
	}
	secureClients := anyHTTPS(c.ListenClientURLs) || c.ZKSecureListen != ""
	if secureClients && c.CertFile == "" {
		what := "https listen-client-urls"
		if !anyHTTPS(c.ListenClientURLs) {
			what = "zk-secure-listen"
		}
		return fieldErr("cert-file", "must be set, with key-file, to serve %s", what)
	}
	if c.Embedded() && anyHTTPS(c.AdvertiseClientURLs) && !anyHTTPS(c.ListenClientURLs) {
		return fieldErr("advertise-client-urls", "are https but no listen-client-url is")
	}
	if c.ClientCertAuth {
		if c.TrustedCAFile == "" {
			return fieldErr("client-cert-auth", "needs trusted-ca-file to verify client certificates")
		}
		if !secureClients {
			return fieldErr("client-cert-auth", "has nothing to guard: no https listen-client-urls and no zk-secure-listen")
		}
	}

	// The HTTP/JSON APIs (etcd's and the namespace's) call the gRPC
	// services on the same port presenting the server certificate, as
	// etcd does: when client certificates are required, it must be
	// allowed as a client certificate too.
	if anyHTTPS(c.ListenClientURLs) && c.TrustedCAFile != "" {
		if err := checkClientUsage("cert-file", c.CertFile, "the HTTP/JSON APIs present it to the gRPC services on the same port, which require client certificates"); err != nil {
			return err
		}
	}

	if c.Embedded() {
		if err := checkKeyPair("peer-cert-file", "peer-key-file", c.PeerCertFile, c.PeerKeyFile); err != nil {
			return err
		}
		if err := checkCAFile("peer-trusted-ca-file", c.PeerTrustedCAFile); err != nil {
			return err
		}
		peerHTTPS := anyHTTPS(c.ListenPeerURLs)
		if peerHTTPS && c.PeerCertFile == "" {
			return fieldErr("peer-cert-file", "must be set, with peer-key-file, to serve https listen-peer-urls")
		}
		if !peerHTTPS && c.PeerCertFile != "" {
			return fieldErr("peer-cert-file", "is set but no listen-peer-url is https, so it would not be used")
		}
		if anyHTTPS(c.InitialAdvertisePeerURLs) != peerHTTPS {
			return fieldErr("initial-advertise-peer-urls", "must use the scheme of listen-peer-urls (http or https)")
		}
		if c.PeerClientCertAuth && c.PeerTrustedCAFile == "" {
			return fieldErr("peer-client-cert-auth", "needs peer-trusted-ca-file to verify peer certificates")
		}
		if peerHTTPS && c.PeerTrustedCAFile != "" {
			if err := checkClientUsage("peer-cert-file", c.PeerCertFile, "members present it to each other, which require peer certificates"); err != nil {
				return err
			}
		}
		for _, f := range []struct{ name, value string }{
			{"etcd-cert-file", c.EtcdCertFile}, {"etcd-key-file", c.EtcdKeyFile}, {"etcd-trusted-ca-file", c.EtcdTrustedCAFile},
		} {
			if f.value != "" {
				return fieldErr(f.name, "is only for reaching etcd-endpoints; the embedded member is reached in-process")
			}
		}
	} else {
		for _, f := range []struct{ name, value string }{
			{"peer-cert-file", c.PeerCertFile}, {"peer-key-file", c.PeerKeyFile}, {"peer-trusted-ca-file", c.PeerTrustedCAFile},
		} {
			if f.value != "" {
				return fieldErr(f.name, "is only for an embedded member, not with etcd-endpoints")
			}
		}
		if c.PeerClientCertAuth {
			return fieldErr("peer-client-cert-auth", "is only for an embedded member, not with etcd-endpoints")
		}
		if err := checkKeyPair("etcd-cert-file", "etcd-key-file", c.EtcdCertFile, c.EtcdKeyFile); err != nil {
			return err
		}
		if err := checkCAFile("etcd-trusted-ca-file", c.EtcdTrustedCAFile); err != nil {
			return err
		}
		if (c.EtcdCertFile != "" || c.EtcdTrustedCAFile != "") && !anyHTTPS(c.EtcdEndpoints) {
			return fieldErr("etcd-endpoints", "are not https, so etcd-cert-file and etcd-trusted-ca-file would not be used")
		}
	}

	if c.EtcdUser == "" && c.EtcdPassword != "" {
		return fieldErr("etcd-user", "must be set when etcd-password is")
	}
	if c.EtcdUser != "" && c.EtcdPassword == "" {
		return fieldErr("etcd-password", "must be set when etcd-user is")
	}
	return nil
}

func anyHTTPS(urls []string) bool {
	for _, s := range urls {
		if u, err := url.Parse(s); err == nil && u.Scheme == "https" {
			return true
		}
	}
	return false
}

// checkKeyPair checks that a certificate and its key are given together,
// can be read and belong together.
func checkKeyPair(certField, keyField, cert, key string) error {
	switch {
	case cert == "" && key == "":
		return nil
	case key == "":
		return fieldErr(keyField, "must be set when %s is", certField)
	case cert == "":
		return fieldErr(certField, "must be set when %s is", keyField)
	}
	if _, err := os.ReadFile(cert); err != nil {
		return fieldErr(certField, "%q cannot be read: %v", cert, errors.Unwrap(err))
	}
	if _, err := os.ReadFile(key); err != nil {
		return fieldErr(keyField, "%q cannot be read: %v", key, errors.Unwrap(err))
	}
	if _, err := tls.LoadX509KeyPair(cert, key); err != nil {
		return fieldErr(certField, "%q with %s %q is not a PEM certificate and its private key: %v", cert, keyField, key, err)
	}
	return nil
}

// checkClientUsage checks that the certificate in file may serve as a
// client certificate: it has no extended key usage (any use) or names
// clientAuth.
func checkClientUsage(field, file, why string) error {
	rest, err := os.ReadFile(file)
	if err != nil {
		return fieldErr(field, "%q cannot be read: %v", file, errors.Unwrap(err))
	}
	var block *pem.Block
	for {
		block, rest = pem.Decode(rest)
		if block == nil || block.Type == "CERTIFICATE" {
			break
		}
	}
	if block == nil {
		return fieldErr(field, "%q holds no PEM certificate", file)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return fieldErr(field, "%q: %v", file, err)
	}
	if len(cert.ExtKeyUsage) == 0 {
		return nil
	}
	for _, u := range cert.ExtKeyUsage {
		if u == x509.ExtKeyUsageClientAuth || u == x509.ExtKeyUsageAny {
			return nil
		}
	}
	return fieldErr(field, "%q lacks the clientAuth extended key usage: %s", file, why)
}

// checkCAFile checks that file (when set) holds PEM certificates.
func checkCAFile(field, file string) error {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fieldErr(field, "%q cannot be read: %v", file, errors.Unwrap(err))
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return fieldErr(field, "%q holds no PEM certificate", file)
	}
	return nil
}
