package e2e

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-ical"

	"github.com/fieldvisit/fieldvisit/internal/testkit"
)

// mailMessage is an arrived e-mail taken apart with the standard library
// and go-ical, independently of the code that wrote it.
type mailMessage struct {
	rcpt      []string
	to        string
	subject   string
	messageID string
	text      string
	// html is the HTML alternative, decoded.
	html string
	// calendars are the text/calendar attachments with the method their
	// MIME type announced.
	calendars []attachedCalendar
}

type attachedCalendar struct {
	mimeMethod string
	cal        *ical.Calendar
}

func parseMail(t *testing.T, r testkit.Mail) mailMessage {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(r.Data))
	if err != nil {
		t.Fatalf("unreadable message: %v\n%s", err, r.Data)
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject %q: %v", msg.Header.Get("Subject"), err)
	}
	out := mailMessage{rcpt: r.To, to: msg.Header.Get("To"), subject: subject, messageID: msg.Header.Get("Message-Id")}
	walkPart(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &out)
	return out
}

func walkPart(t *testing.T, contentType, encoding string, body io.Reader, out *mailMessage) {
	t.Helper()
	media, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("content type %q: %v", contentType, err)
	}
	if strings.HasPrefix(media, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			walkPart(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, out)
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: body})
	}
	data, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("part %s: %v", media, err)
	}
	switch media {
	case "text/plain":
		out.text += string(data)
	case "text/html":
		out.html += string(data)
	case "text/calendar":
		cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("attached calendar does not parse: %v\n%s", err, data)
		}
		out.calendars = append(out.calendars, attachedCalendar{mimeMethod: params["method"], cal: cal})
	}
}

// newlineStripper drops CR and LF so base64 lines decode as one stream.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, b := range p[:k] {
			if b != '\r' && b != '\n' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// event is the one VEVENT a booking invitation carries.
type event struct {
	method   string
	uid      string
	sequence int
	status   string
	start    string // RFC 3339 in UTC
}

func calendarEvents(t *testing.T, ac attachedCalendar) []event {
	t.Helper()
	method := ac.cal.Props.Get(ical.PropMethod)
	if method == nil {
		t.Fatal("calendar without METHOD")
	}
	if !strings.EqualFold(method.Value, ac.mimeMethod) {
		t.Errorf("calendar METHOD %s but MIME method=%s", method.Value, ac.mimeMethod)
	}
	var out []event
	for _, ev := range ac.cal.Events() {
		e := event{method: method.Value}
		if p := ev.Props.Get(ical.PropUID); p != nil {
			e.uid = p.Value
		}
		if p := ev.Props.Get(ical.PropSequence); p != nil {
			n, err := p.Int()
			if err != nil {
				t.Fatalf("SEQUENCE %q: %v", p.Value, err)
			}
			e.sequence = n
		}
		if p := ev.Props.Get(ical.PropStatus); p != nil {
			e.status = p.Value
		}
		start, err := ev.DateTimeStart(nil)
		if err != nil {
			t.Fatalf("DTSTART of %s: %v", e.uid, err)
		}
		e.start = start.UTC().Format("2006-01-02T15:04:05Z")
		out = append(out, e)
	}
	return out
}
