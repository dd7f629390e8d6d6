package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldvisit/fieldvisit/store"
	"github.com/fieldvisit/fieldvisit/store/storetest"
)

func TestConnect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	client, err := store.Connect(ctx, storetest.URI(t), storetest.Embedded(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.New(client.Database("ping"), nil).Ping(ctx); err != nil {
		t.Error(err)
	}
	if err := client.Disconnect(ctx); err != nil {
		t.Error(err)
	}
}

func TestConnectFailsClearly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		uri  string
		want string
	}{
		// Port 1 on loopback has no server; the password must not leak.
		{"mongodb://fieldvisit:s3cret@127.0.0.1:1/?connectTimeoutMS=200", "ping MongoDB at mongodb://fieldvisit:xxxxx@127.0.0.1:1/"},
		{"mongodb://fieldvisit:s3cret@127.0.0.1:1/?bogusOption=1&w=banana", "MongoDB at mongodb://fieldvisit:xxxxx@127.0.0.1:1/"},
		{"postgres://db", "connect to MongoDB at postgres://db"},
	}
	for _, tt := range tests {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		client, err := store.Connect(ctx, tt.uri, false)
		cancel()
		if err == nil {
			_ = client.Disconnect(context.Background())
			t.Errorf("Connect(%q) succeeded", tt.uri)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Connect(%q) error %q; want it to contain %q and no password", tt.uri, err, tt.want)
		}
	}
}
