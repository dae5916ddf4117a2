package main

import (
	"fmt"
	"net/url"

	"lotse/hub/config"
	"lotse/hub/ldap"
	"lotse/hub/oidc"
	"lotse/hub/server"
)

// externalLogin wires the city's login of an installation file: its
// directory and its OpenID Connect provider, each with its group rules.
func externalLogin(a config.Auth) (server.External, error) {
	var ext server.External
	if l := a.LDAP; l != nil {
		pw, err := l.BindPassword()
		if err != nil {
			return ext, fmt.Errorf("auth.ldap: %w", err)
		}
		d, err := ldap.New(ldap.Config{
			URL: l.URL, StartTLS: l.StartTLS, InsecureSkipVerify: l.InsecureSkipVerify, UserDN: l.UserDN,
			BindDN: l.BindDN, BindPassword: pw, BaseDN: l.BaseDN, UserFilter: l.UserFilter,
			GroupAttr: l.GroupAttr, GroupBaseDN: l.GroupBaseDN, GroupFilter: l.GroupFilter, Timeout: l.Timeout.Duration,
		})
		if err != nil {
			return ext, fmt.Errorf("auth.ldap: %w", err)
		}
		ext.Directory, ext.DirectoryRules = d, groupRules(l.Groups)
	}
	if o := a.OIDC; o != nil {
		secret, err := o.ClientSecret()
		if err != nil {
			return ext, fmt.Errorf("auth.oidc: %w", err)
		}
		p, err := oidc.New(oidc.Config{
			Issuer: o.Issuer, ClientID: o.ClientID, ClientSecret: secret, RedirectURL: o.RedirectURL,
			Scopes: o.Scopes, GroupsClaim: o.GroupsClaim, UserClaim: o.UserClaim,
		})
		if err != nil {
			return ext, fmt.Errorf("auth.oidc: %w", err)
		}
		ext.OIDC, ext.OIDCRules = p, groupRules(o.Groups)
		ext.OIDCLoggedOut = workplaceOf(o.RedirectURL)
	}
	return ext, nil
}

// workplaceOf is the counter workplace on the host of the callback: the
// provider's logout page leads back there.
func workplaceOf(redirect string) string {
	u, err := url.Parse(redirect)
	if err != nil || u.Host == "" {
		return ""
	}
	return (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/counter/"}).String()
}

func groupRules(in []config.GroupRule) []server.GroupRule {
	out := make([]server.GroupRule, 0, len(in))
	for _, g := range in {
		out = append(out, server.GroupRule{Group: g.Group, Roles: g.Roles, Offices: g.Offices})
	}
	return out
}
