package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// pingTimeout bounds the first round trip, so a wrong URI fails the start
// quickly instead of after the driver's 30 s server selection.
const pingTimeout = 10 * time.Second

// Connect opens a client to uri and pings it. For the embedded server
// (embedded true) the pool holds one connection: FerretDB does not make an
// update atomic across connections, and a single connection makes it handle
// requests one at a time, in order. The caller owns the client and
// disconnects it on shutdown.
func Connect(ctx context.Context, uri string, embedded bool) (*mongo.Client, error) {
	return ConnectWith(ctx, uri, embedded, Monitors{})
}

// Monitors watch a client's commands and its connection pool (for
// metrics: command time, and how long operations wait for the connection).
// A nil field watches nothing.
type Monitors struct {
	Command *event.CommandMonitor
	Pool    *event.PoolMonitor
}

// ConnectWith is Connect with monitors attached to the client.
func ConnectWith(ctx context.Context, uri string, embedded bool, mon Monitors) (*mongo.Client, error) {
	opts := options.Client().ApplyURI(uri).SetServerSelectionTimeout(pingTimeout)
	if embedded {
		opts.SetMaxPoolSize(1)
	}
	if mon.Command != nil {
		opts.SetMonitor(mon.Command)
	}
	if mon.Pool != nil {
		opts.SetPoolMonitor(mon.Pool)
	}
	client, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("connect to MongoDB at %s: %w", redactURI(uri), err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := client.Ping(pingCtx, nil); err != nil {
		_ = client.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("ping MongoDB at %s: %w", redactURI(uri), err)
	}
	return client, nil
}

// redactURI hides the password of a mongodb:// URI so it can go into errors
// and logs.
func redactURI(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "<unparsable URI>"
	}
	hostEnd := strings.IndexAny(rest, "/?")
	if hostEnd < 0 {
		hostEnd = len(rest)
	}
	at := strings.LastIndex(rest[:hostEnd], "@")
	if at < 0 {
		return uri
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + user + ":xxxxx@" + rest[at+1:]
}
