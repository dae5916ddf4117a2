package api

// CodeDirectoryUnavailable: a login through the city's directory (LDAP)
// or identity provider (OpenID Connect) while it cannot be reached (503).
// Local accounts and running sessions still work.
const CodeDirectoryUnavailable = "directory_unavailable"
