// Package oidc logs clerks in through the city's OpenID Connect provider
// (Keycloak and the like) with github.com/coreos/go-oidc and
// golang.org/x/oauth2: the authorization code flow with PKCE, a state and
// a nonce. It returns the user name and the groups the ID token names;
// which group grants which role is the server's business.
package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config names the provider and this hub as its client.
type Config struct {
	// Issuer is the provider's issuer URL, e.g.
	// "https://login.stadt.de/realms/stadt" for a Keycloak realm.
	Issuer string
	// ClientID and ClientSecret identify the hub at the provider; a
	// public client has no secret (PKCE protects the code).
	ClientID     string
	ClientSecret string
	// RedirectURL is the hub's callback as the browser reaches it:
	// https://HUB/api/v1/session/oidc/callback.
	RedirectURL string
	// Scopes beside "openid"; default profile and email (Keycloak knows
	// no "groups" scope unless one is configured; its group mapper adds
	// the claim to the ID token without one).
	Scopes []string
	// GroupsClaim is the ID token's claim that lists the groups or roles,
	// a dotted path into nested objects, e.g. "groups" or
	// "realm_access.roles"; default "groups".
	GroupsClaim string
	// UserClaim names the account; default "preferred_username", then
	// "email", then the subject.
	UserClaim string
	// Client makes the requests to the provider; nil: one with a 10 s
	// timeout.
	Client *http.Client
}

// Provider is the city's identity provider. It discovers its endpoints on
// first use, so that a provider that is down at the hub's start does not
// stop the hub.
type Provider struct {
	cfg Config

	mu       sync.Mutex
	provider *gooidc.Provider
	endSess  string // end_session_endpoint, if the provider has one
}

// New checks the configuration; it does not contact the provider.
func New(cfg Config) (*Provider, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("oidc: issuer missing")
	case cfg.ClientID == "":
		return nil, errors.New("oidc: client_id missing")
	case cfg.RedirectURL == "":
		return nil, errors.New("oidc: redirect_url missing")
	}
	if _, err := url.Parse(cfg.RedirectURL); err != nil {
		return nil, fmt.Errorf("oidc: redirect_url: %w", err)
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"profile", "email"}
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = "groups"
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	return &Provider{cfg: cfg}, nil
}

func (p *Provider) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, p.cfg.Client)
}

// discover reads the provider's metadata once it answers.
func (p *Provider) discover(ctx context.Context) (*gooidc.Provider, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.provider != nil {
		return p.provider, nil
	}
	prov, err := gooidc.NewProvider(p.ctx(ctx), p.cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", p.cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := prov.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", p.cfg.Issuer, err)
	}
	p.provider, p.endSess = prov, meta.EndSession
	return prov, nil
}

func (p *Provider) oauth(prov *gooidc.Provider) *oauth2.Config {
	return &oauth2.Config{
		ClientID: p.cfg.ClientID, ClientSecret: p.cfg.ClientSecret, RedirectURL: p.cfg.RedirectURL,
		Endpoint: prov.Endpoint(), Scopes: append([]string{gooidc.ScopeOpenID}, p.cfg.Scopes...),
	}
}

// AuthURL returns where to send the browser: the provider's login page
// with state, nonce and the S256 challenge of verifier. An error means
// the provider cannot be reached.
func (p *Provider) AuthURL(ctx context.Context, state, nonce, verifier string) (string, error) {
	prov, err := p.discover(ctx)
	if err != nil {
		return "", err
	}
	return p.oauth(prov).AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange redeems the code with verifier, verifies the ID token
// (signature, issuer, audience, expiry, nonce) and returns the account's
// name and groups. unavailable is true when the provider could not be
// reached, false when it refused.
func (p *Provider) Exchange(ctx context.Context, code, nonce, verifier string) (user string, groups []string, unavailable bool, err error) {
	prov, err := p.discover(ctx)
	if err != nil {
		return "", nil, true, err
	}
	tok, err := p.oauth(prov).Exchange(p.ctx(ctx), code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		return "", nil, !errors.As(err, &re), fmt.Errorf("oidc: redeem the code: %w", err)
	}
	raw, ok := tok.Extra("id_token").(string)
	if !ok || raw == "" {
		return "", nil, false, errors.New("oidc: the provider sent no ID token")
	}
	idt, err := prov.Verifier(&gooidc.Config{ClientID: p.cfg.ClientID}).Verify(p.ctx(ctx), raw)
	if err != nil {
		return "", nil, false, fmt.Errorf("oidc: verify the ID token: %w", err)
	}
	if idt.Nonce != nonce {
		return "", nil, false, errors.New("oidc: the ID token's nonce does not match the login's")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return "", nil, false, fmt.Errorf("oidc: read the ID token's claims: %w", err)
	}
	for _, c := range []string{p.cfg.UserClaim, "preferred_username", "email"} {
		if v, ok := claims[c].(string); c != "" && ok && v != "" {
			user = v
			break
		}
	}
	if user == "" {
		user = idt.Subject
	}
	return user, stringsAt(claims, p.cfg.GroupsClaim), false, nil
}

// stringsAt reads a list of strings (or one string) at a dotted path.
func stringsAt(claims map[string]any, path string) []string {
	var v any = claims
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// LogoutURL returns the provider's logout page that leads back to
// postLogout, or "" when the provider has none (or was never reached).
// It ends the clerk's single sign-on too: a shared counter PC must not
// log the next person in as the previous one.
func (p *Provider) LogoutURL(postLogout string) string {
	p.mu.Lock()
	end := p.endSess
	p.mu.Unlock()
	if end == "" {
		return ""
	}
	u, err := url.Parse(end)
	if err != nil {
		return ""
	}
	q := u.Query()
	// Keycloak (18+) takes client_id in place of an id_token_hint.
	q.Set("client_id", p.cfg.ClientID)
	if postLogout != "" {
		q.Set("post_logout_redirect_uri", postLogout)
	}
	u.RawQuery = q.Encode()
	return u.String()
}
