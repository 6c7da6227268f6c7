// Package fleettest holds the end-to-end tests of a fleet: several bot
// replicas in one process, built with botkit.New, sharing PostgreSQL
// (pgstore) for what must last and Redis (redisstore, through fleetstore)
// for counters, leases and marks, and the key router's state
// (redisstore's RouterState as keyrouter.Options.Shared). A small random
// load balancer spreads the webhook deliveries of a telegramtest server
// over the replicas, and re-delivers some updates to show that each is
// answered once; the replicas' Gemini calls go to one geminitest server,
// which counts each project's requests.
//
// # What the tests show
//
//   - every update is answered exactly once, whichever replica gets it and
//     however often it is delivered;
//   - each chat's replies come in the order of its messages;
//   - no user gets more replies than the tier's daily quota, and no Gemini
//     project serves more requests than its daily quota, across replicas;
//   - with Redis stopped for a while, the fleet behaves as configured:
//     failing open it answers everything (limits then hold per replica),
//     failing closed it refuses deliveries until Redis is back, so that
//     Telegram delivers them again, or tells the user to try again; nothing
//     is lost, and the fleet recovers by itself.
//
// # Running them
//
// The tests need PostgreSQL and Redis and skip without them:
//
//	export SVSBOT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
//	export SVSBOT_TEST_REDIS_URL="redis://127.0.0.1:6379/0"
//	go test -race -count=1 ./fleettest/
//
// The outage tests start a redis-server of their own (it must be on the
// PATH). SVSBOT_FLEET_UPDATES sets the number of updates of the main test
// (5,000 by default, from one user per 10 updates); the outage tests use a
// fifth of it.
//
// The package has no API: it is tests and this documentation.
package fleettest
