package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
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
		d := models.Date(weekFlag)
		if !d.StartsWeek() {
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
	svc, err := newServices(cfg, db.store, loc, log, nil)
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
	printPlan(stdout, plan, loc)
	return exitOK
}

// printPlan writes a plan's summary for people: the figures, who goes where
// on which day, and each unassigned request with its reason and the change
// that would let it in, which is what a coordinator acts on.
func printPlan(w io.Writer, p *models.Plan, loc *time.Location) {
	k := p.KPIs
	fmt.Fprintf(w, "Week of %s: plan version %d (%s), %d of %d requests scheduled in %d trainer-days, %.1f h of travel, %d moved against the published plan; solved in %.1f s.\n",
		p.Week, p.Version, p.Status, k.Scheduled, k.Requests, k.TrainerDays, float64(k.TravelMinutes)/60, k.Moved, float64(k.SolveMillis)/1000)
	for _, pr := range models.Priorities {
		if b, ok := k.ByPriority[pr]; ok {
			fmt.Fprintf(w, "  %-7s %d of %d\n", pr, b.Scheduled, b.Total)
		}
	}
	if len(p.Routes) > 0 {
		routes := slices.Clone(p.Routes)
		slices.SortStableFunc(routes, func(a, b models.PlanRoute) int {
			return cmp.Or(cmp.Compare(a.Date, b.Date), cmp.Compare(a.TrainerName, b.TrainerName))
		})
		fmt.Fprintf(w, "Routes (times in %s):\n", loc)
		for _, r := range routes {
			clinics := make([]string, 0, len(r.Stops))
			for _, st := range r.Stops {
				clinics = append(clinics, st.Start.In(loc).Format("15:04")+" "+st.ClinicName)
			}
			fmt.Fprintf(w, "  %s %s  %-24s %d visit(s), out %s-%s, %d min travel: %s\n",
				r.Date, r.Date.Weekday().String()[:3], r.TrainerName, len(r.Stops),
				r.Depart.In(loc).Format("15:04"), r.Return.In(loc).Format("15:04"), r.TravelMinutes, strings.Join(clinics, "; "))
		}
	}
	if len(p.Unassigned) > 0 {
		unassigned := slices.Clone(p.Unassigned)
		slices.SortStableFunc(unassigned, func(a, b models.Unassigned) int {
			return cmp.Compare(slices.Index(models.Priorities, a.Priority), slices.Index(models.Priorities, b.Priority))
		})
		fmt.Fprintf(w, "Unassigned: %d\n", len(unassigned))
		for _, u := range unassigned {
			fmt.Fprintf(w, "  request %s (%s): %s", u.RequestID, u.Priority, u.Reason)
			if u.Detail != "" {
				fmt.Fprintf(w, " - %s", u.Detail)
			}
			if u.Relaxation != "" {
				fmt.Fprintf(w, "; %s", u.Relaxation)
			}
			fmt.Fprintln(w)
		}
	}
	for _, warning := range p.Warnings {
		fmt.Fprintf(w, "Warning: %s\n", warning)
	}
	fmt.Fprintf(w, "Publish it with: POST /api/v1/plans/%s/%d/publish\n", p.Week, p.Version)
}
