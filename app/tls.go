package app

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// tlsConfig loads Config.TLSCertFile and TLSKeyFile, or returns nil when
// neither is set (plain HTTP). With them the server speaks HTTPS itself,
// for deployments without a load balancer in front and for clients whose
// default endpoint is https. This matters most for UCloud: its signature
// carries no timestamp or nonce, so a request captured on the wire can be
// replayed for as long as its key lives (SECURITY.md); it must travel
// over TLS, here or at the load balancer.
func (m *Main) tlsConfig() (*tls.Config, error) {
	cert, key := m.Config.TLSCertFile, m.Config.TLSKeyFile
	if cert == "" && key == "" {
		return nil, nil
	}
	if cert == "" || key == "" {
		return nil, errors.New("tls: both a certificate (tls-cert) and its key (tls-key) are needed")
	}
	pair, err := tls.LoadX509KeyPair(cert, key)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}, nil
}
