// The encrypted credentials of one agent (decrypted only by the process that calls it).
MATCH (a:Agent {name: $name})
RETURN a.credentialsEnc AS credentialsEnc
