package sasl

// NewServerWithNonce is NewServer with a fixed challenge nonce, to replay
// recorded exchanges.
func (c *ServerConfig) NewServerWithNonce(nonce string) Server {
	s := c.NewServer().(*digestServer)
	s.newNonce = func() (string, error) { return nonce, nil }
	return s
}

// DigestResponse exposes digestResponse.
var DigestResponse = digestResponse

// ParseDirectives exposes parseDirectives.
var ParseDirectives = parseDirectives

// Canonical exposes the identity a config makes of a principal.
func (c *ServerConfig) Canonical(name string) (string, error) { return c.canonical(name) }
