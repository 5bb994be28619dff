//! Users of the service (to be written by the API work): argon2 hashes, roles, unit scope.
