package scheduler

// RandomProblem exposes the random problem generator to the external tests.
var RandomProblem = randomProblem
