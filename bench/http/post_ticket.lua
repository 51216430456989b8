-- wrk script of bench/http_load.py: a customer files tickets through the portal form (POST
-- /portal/tickets/new/, urlencoded like a browser without attachments), each with its own subject.
-- BENCH_CSRF_TOKEN is the form's csrfmiddlewaretoken; the session and csrftoken cookies and the
-- Referer come with -H on the command line. Every answer but BENCH_EXPECT (302 to the new ticket)
-- is counted (status.lua).

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

expected = tonumber(os.getenv("BENCH_EXPECT") or "302")
dofile("status.lua")

local token = os.getenv("BENCH_CSRF_TOKEN") or ""

local subjects = {
  "Drucker im 2. OG druckt nicht",
  "VPN bricht alle 10 Minuten ab",
  "Passwort abgelaufen, Anmeldung nicht möglich",
  "Outlook synchronisiert keine E-Mails",
  "Laptop startet nach Update nicht mehr",
  "Teams: kein Ton in Besprechungen",
  "Cannot access the shared drive",
  "MFA app shows no sign-in requests",
}
local descriptions = {
  "Seit heute Morgen kommt beim Drucken die Meldung Druckerwarteschlange angehalten. Neustart habe ich schon versucht.",
  "Seit dem Update auf Version 4.2 trennt der VPN-Client die Verbindung alle zehn Minuten. Betroffen ist das ganze Lager.",
  "Mein Kennwort ist abgelaufen und das Self-Service-Portal schickt keine E-Mail zum Zuruecksetzen.",
  "Since yesterday my mailbox shows no new emails although colleagues say they sent me several messages.",
}

local function urlencode(text)
  return (string.gsub(text, "[^%w%-%._~ ]", function(c) return string.format("%%%02X", string.byte(c)) end):gsub(" ", "+"))
end

function init(args)
  unexpected = 0
  counter = 0
end

function request()
  counter = counter + 1
  local subject = subjects[(counter + id) % #subjects + 1] .. " (" .. id .. "-" .. counter .. ")"
  local description = descriptions[counter % #descriptions + 1]
  local body = "csrfmiddlewaretoken=" .. urlencode(token) .. "&subject=" .. urlencode(subject)
    .. "&category=&description=" .. urlencode(description)
  return wrk.format("POST", nil, nil, body)
end
