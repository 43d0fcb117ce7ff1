//go:build race

package sdktest

// raceEnabled: the chatd under test is built with the race detector too.
const raceEnabled = true
