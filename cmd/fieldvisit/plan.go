package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/fieldvisit/fieldvisit/jobs"
	"github.com/fieldvisit/fieldvisit/models"
)

// planWeek runs the planner once for a week, through the same runner as the
// nightly job (so it is leased and recorded), and prints a summary.
func planWeek(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	var weekFlag string
	cfg, code, err := loadConfig("plan", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&weekFlag, "week", "", "the Monday of the week to plan, YYYY-MM-DD (default: the coming week)")
	})
	if err != nil {
		return code
	}
	log := newLogger(cfg, stderr)
	loc, err := cfg.Location()
	if err != nil {
		fmt.Fprintf(stderr, "fieldvisit plan: %v\n", err)
		return exitUsage
	}
	week := jobs.WeekAfter(time.Now(), loc)
	if weekFlag != "" {
		d, err := models.ParseDate(weekFlag)
		if err != nil || d.Weekday() != time.Monday {
			fmt.Fprintf(stderr, "fieldvisit plan: --week %q is not the date of a Monday (YYYY-MM-DD)\n", weekFlag)
			return exitUsage
		}
		week = d
	}
	db, err := openDatabase(ctx, cfg, log)
	if err != nil {
		log.Error("cannot plan", "err", err)
		return exitError
	}
	defer db.close(log)
	svc, err := newServices(cfg, db.store, loc, log)
	if err != nil {
		log.Error("cannot plan", "err", err)
		return exitError
	}
	defer svc.close()
	plan, err := svc.runner.Plan(ctx, week, "cli")
	if err != nil {
		log.Error("planning failed", "week", week, "err", err)
		return exitError
	}
	printPlan(stdout, plan)
	return exitOK
}

// printPlan writes a plan's summary for people.
func printPlan(w io.Writer, p *models.Plan) {
	k := p.KPIs
	fmt.Fprintf(w, "Week of %s: plan version %d (%s), %d of %d requests scheduled in %d trainer-days, %.1f h of travel, %d moved against the published plan; solved in %.1f s.\n",
		p.Week, p.Version, p.Status, k.Scheduled, k.Requests, k.TrainerDays, float64(k.TravelMinutes)/60, k.Moved, float64(k.SolveMillis)/1000)
	for _, pr := range models.Priorities {
		if b, ok := k.ByPriority[pr]; ok {
			fmt.Fprintf(w, "  %-7s %d of %d\n", pr, b.Scheduled, b.Total)
		}
	}
	if len(p.Unassigned) > 0 {
		reasons := map[string]int{}
		for _, u := range p.Unassigned {
			reasons[u.Reason]++
		}
		names := make([]string, 0, len(reasons))
		for r := range reasons {
			names = append(names, r)
		}
		sort.Strings(names)
		fmt.Fprintf(w, "Unassigned: %d\n", len(p.Unassigned))
		for _, r := range names {
			fmt.Fprintf(w, "  %-18s %d\n", r, reasons[r])
		}
	}
	for _, warning := range p.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", warning)
	}
	fmt.Fprintf(w, "Publish it with: POST /api/v1/plans/%s/%d/publish\n", p.Week, p.Version)
}
