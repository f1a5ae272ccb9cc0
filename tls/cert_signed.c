/* cert_signed: put the certificate a CA signed into a profile. */
#include "cert_signed.h"

int cert_signed_check(EVP_PKEY *key, X509 *cert, struct err *e)
{
	if (!key || !cert || !cert_key_matches(cert, key))
		return err_set(e, "key does not sign certificate");
	return 0;
}

int cert_profile_put_signed(struct cert_profile *p, X509 *cert, STACK_OF(X509) * intermediates,
			    struct err *e)
{
	if (cert_signed_check(p->key, cert, e) < 0 || cert_chain_order(cert, intermediates, e) < 0)
		return -1;
	X509_free(p->cert);
	sk_X509_pop_free(p->chain, X509_free);
	p->cert = cert;
	p->chain = intermediates;
	return 0;
}

int cert_profile_put_signed_pem(struct cert_profile *p, const char *pem, struct err *e)
{
	STACK_OF(X509) *all = NULL;
	X509 *leaf = NULL;

	if (cert_parse_certificates(pem, &all, e) < 0)
		return -1;
	for (int i = 0; i < sk_X509_num(all) && !leaf; i++)
		if (p->key && cert_key_matches(sk_X509_value(all, i), p->key))
			leaf = sk_X509_delete(all, i);
	if (!leaf) {
		sk_X509_pop_free(all, X509_free);
		return cert_signed_check(p->key, NULL, e);
	}
	if (cert_profile_put_signed(p, leaf, all, e) < 0) {
		X509_free(leaf);
		sk_X509_pop_free(all, X509_free);
		return -1;
	}
	return 0;
}
