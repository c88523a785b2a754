/* Custom claims: name/value pairs an attester puts into its evidence (the
 * claims map of the Interoperable RA-TLS format) and a verifier hands to the
 * verification callback. Layout as upstream's (packed). */
#ifndef RATS_TLS_CLAIM_H_
#define RATS_TLS_CLAIM_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct claim claim_t;
struct claim {
	char *name;
	uint8_t *value;
	size_t value_size;
} __attribute__((packed));

/* Frees a list returned by the library (each name and value, then the list). */
void free_claims_list(claim_t *claims, size_t claims_length);
/* A deep copy (malloc); NULL on allocation failure or an empty list. */
claim_t *clone_claims_list(claim_t *claims, size_t claims_length);

#ifdef __cplusplus
}
#endif

#endif /* RATS_TLS_CLAIM_H_ */
