package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/imageshare/app"
	"github.com/imageshare/imageshare/app/apptest"
	"github.com/imageshare/imageshare/internal/ucloudclient"
)

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files, and returns their paths and a pool that trusts it.
func selfSigned(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imageshare test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestTLS_ServeHTTPS: with tls_cert and tls_key the server speaks HTTPS
// itself: a UCloud client that verifies the certificate calls it over
// https (the signature that carries no timestamp then never crosses the
// network in clear), a client that does not trust the certificate is
// refused by the handshake, and plain HTTP gets no API answer.
func TestTLS_ServeHTTPS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t)
	srv := apptest.Start(t, func(c *app.Config) { c.TLSCertFile, c.TLSKeyFile = certFile, keyFile })
	if !strings.HasPrefix(srv.URL, "https://") {
		t.Fatalf("server URL %s, want https", srv.URL)
	}
	_, key := srv.Account(t, "")
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c := ucloudclient.New(srv.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(ucRegion), ucloudclient.WithHTTPClient(trusting))
	if err := c.Call(context.Background(), "DescribeCompShareCustomImages", nil, nil); err != nil {
		t.Fatalf("signed UCloud call over https: %v", err)
	}
	untrusting := ucloudclient.New(srv.URL, key.PublicKey, key.PrivateKey, ucloudclient.WithRegion(ucRegion))
	if err := untrusting.Call(context.Background(), "DescribeCompShareCustomImages", nil, nil); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("a client that does not trust the certificate: %v, want a certificate error", err)
	}
	resp, err := http.Get("http://" + srv.Addr + "/healthz")
	if err == nil {
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("plain HTTP to the TLS port answered 200")
		}
	}
}

// TestTLS_HalfConfigured: a certificate without its key (or the reverse)
// stops the server from starting instead of serving plain HTTP.
func TestTLS_HalfConfigured(t *testing.T) {
	certFile, _, _ := selfSigned(t)
	m := app.New(app.Config{Listen: "127.0.0.1:0", DB: apptest.StoreDSN(t), TLSCertFile: certFile})
	if err := m.Open(context.Background()); err == nil {
		m.Close()
		t.Fatal("a certificate without a key started the server")
	} else if !strings.Contains(err.Error(), "tls-key") {
		t.Fatalf("error %v does not name tls-key", err)
	}
}
