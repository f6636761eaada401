/** The single sign-on connector's fields, in page order (read by the step and its template). */
export const SSO_FIELDS = ['type', 'id', 'name', 'issuer', 'client_id', 'client_secret', 'redirect_uri'] as const;
