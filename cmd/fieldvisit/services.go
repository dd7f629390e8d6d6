package main

import (
	"fmt"
	"log/slog"
	"net/mail"
	"time"

	"github.com/fieldvisit/fieldvisit/config"
	"github.com/fieldvisit/fieldvisit/internal/wiring"
	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/metrics"
	"github.com/fieldvisit/fieldvisit/notify"
	"github.com/fieldvisit/fieldvisit/store"
)

// newServices builds the planning, publishing and e-mail parts of the
// process on st, the same way for "serve" and "plan", from the
// configuration, measured by m unless it is nil. Close releases their SMTP
// connections.
func newServices(cfg config.Config, st *store.Store, loc *time.Location, log *slog.Logger, m *metrics.Metrics) (*wiring.Services, error) {
	from, err := mail.ParseAddress(cfg.SMTP.From)
	if err != nil {
		return nil, fmt.Errorf("SMTP_FROM %q: %w", cfg.SMTP.From, err)
	}
	// Answers go to the coordinators when their address is configured,
	// else to the sender.
	replyTo := from.Address
	if cfg.CoordinatorEmail != "" {
		replyTo = cfg.CoordinatorEmail
	}
	wc := wiring.Config{
		Store: st, Location: loc, Logger: log, Seed: 1,
		BaseURL: cfg.BaseURL, ReplyTo: replyTo, Organizer: notify.Person{Name: from.Name, Email: from.Address},
		PlanTimeLimit: cfg.Jobs.PlanTimeLimit, PlanSaturday: cfg.Jobs.PlanSaturday, AutoPublish: cfg.Jobs.AutoPublish,
		OutboxMaxAttempts: cfg.Jobs.OutboxMaxAttempts,
	}
	if cfg.SMTP.Host != "" {
		tlsMode, err := notify.ParseTLSMode(cfg.SMTP.TLS)
		if err != nil {
			return nil, err
		}
		wc.SMTP = &notify.SMTPConfig{
			Host: cfg.SMTP.Host, Port: cfg.SMTP.Port, Username: cfg.SMTP.Username, Password: cfg.SMTP.Password,
			From: cfg.SMTP.From, TLS: tlsMode,
		}
	}
	if m != nil {
		wc.ObservePlanner = func(p jobs.WeekPlanner) jobs.WeekPlanner { return m.Planner(p) }
		wc.ObserveSender = m.Sender
		wc.ObserveOutbox = func(o jobs.OutboxStore) jobs.OutboxStore {
			return observedOutbox{OutboxStore: o, m: m, now: time.Now}
		}
	}
	return wiring.New(wc)
}
