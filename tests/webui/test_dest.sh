#!/usr/bin/env bash
# Mail Policies > Destination Controls without a browser (curl): add, edit,
# delete, the default entry, the global settings; the console's checks
# (a bad domain, a duplicate, out-of-range numbers, a bad alert address,
# DANE Support without its TLS level)
# refuse and stage nothing; guests and POSTs without CSRF are refused. What
# is committed is what the console's destconfig DETAIL shows.
. "$(dirname "${BASH_SOURCE[0]}")/webui_lib.sh"

webui_home dest
start_daemon "$HOME_DIR" || { not_ok "daemon starts"; done_testing; exit 1; }
URL=https://127.0.0.1:$HTTPS_PORT
LOG=$HOME_DIR/logs/mail_logs
J=(-H 'Accept: application/json')
code() { curl -sk --max-time 10 -o "$TEST_TMP/body" -w '%{http_code}' "$@"; }
staged() { curl -sk --max-time 10 "${J[@]}" -b "$1" "$URL/api/changes" | sed -n 's/.*"count":\([0-9]*\).*/\1/p'; }
detail() { printf 'destconfig\nDETAIL\n%s\n\n' "$1" | "$TLSGATE" --home "$HOME_DIR" --user admin; }

check_eq "admin logs in" 303 "$(login "$TEST_TMP/adm" admin adminpass1)"
csrf=$(csrf_of "$TEST_TMP/adm")
check_eq "guest logs in" 303 "$(login "$TEST_TMP/gst" gst guestpass1)"
gcsrf=$(csrf_of "$TEST_TMP/gst")

check_eq "GET /destconfig (JSON)" 200 "$(code "${J[@]}" -b "$TEST_TMP/adm" "$URL/destconfig")"
check "... the default entry, no destinations" \
	bash -c "grep -q '\"default\":{[^}]*\"max_host_concurrency\":\"500\"' '$TEST_TMP/body' && grep -q '\"destinations\":\[\]' '$TEST_TMP/body'"
check_eq "guest views Destination Controls" 200 "$(code -b "$TEST_TMP/gst" "$URL/destconfig")"
check "... without Add, Edit, Delete or the settings form" \
	bash -c "grep -q 'id=\"dest-list\"' '$TEST_TMP/body' && ! grep -q 'add-destination\|/destconfig/edit\|destconfig/delete\|setup-form' '$TEST_TMP/body'"
check_eq "guest opens the edit form: 403" 403 "$(code -b "$TEST_TMP/gst" "$URL/destconfig/edit")"

add=(-d mode=new -d domain=secure.example -d max_host_concurrency=7 -d tls=require_verify)
check_eq "guest adds a destination (valid CSRF): 403" 403 \
	"$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf" "${add[@]}" "$URL/destconfig")"
check_eq "guest changes the settings: 403" 403 \
	"$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf&alert_tls_required=1&alert_to=a@example.com" "$URL/destconfig/setup")"
check_eq "guest deletes (valid CSRF): 403" 403 \
	"$(code -b "$TEST_TMP/gst" -d "csrf=$gcsrf&domain=secure.example" "$URL/destconfig/delete")"
check "... logged" poll 3 grep -q 'POST /destconfig refused for user gst (address 127.0.0.1): role too low' "$LOG"
check_eq "add without a CSRF token: 403" 403 "$(code -b "$TEST_TMP/adm" "${add[@]}" "$URL/destconfig")"
check_eq "delete with the guest's token: 403" 403 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$gcsrf&domain=secure.example" "$URL/destconfig/delete")"

check_eq "a bad domain: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new" --data-urlencode 'domain=bad domain!' "$URL/destconfig")"
check "... on the domain field" grep -q '"field":"domain"' "$TEST_TMP/body"
check_eq "concurrency 0 (1-1000): 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=x.example&max_host_concurrency=0" "$URL/destconfig")"
check "... the console's message, on the field" \
	grep -q 'The value of max_host_concurrency must be a whole number from 1 to 1000.","field":"max_host_concurrency"' "$TEST_TMP/body"
check_eq "a TLS level that does not exist: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=x.example&tls=always" "$URL/destconfig")"
check_eq "a page answers the form again with the Error banner" 400 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=x.example&recipient_limit=5&recipient_minutes=99" "$URL/destconfig")"
check "... Error, and the form" bash -c "grep -q 'id=\"action-results-title\">Error<' '$TEST_TMP/body' && grep -q 'id=\"dest-form\"' '$TEST_TMP/body'"
check "... with what was typed: domain, recipient limit, the bad minutes, and the field error" \
	bash -c "grep -q 'id=\"domain\" [^>]*value=\"x.example\"' '$TEST_TMP/body' && grep -q 'id=\"recipient_limit\" maxlength=\"9\" value=\"5\"' '$TEST_TMP/body' && grep -q 'id=\"recipient_minutes\" maxlength=\"9\" value=\"99\"' '$TEST_TMP/body' && grep -q 'class=\"error\" id=\"error-recipient_minutes\">' '$TEST_TMP/body'"
# A refused Add comes back with the submitted values HTML-escaped: hostile
# input stays text, never markup.
hostile='x"><script>alert(1)</script>'
check_eq "a hostile domain (page): 400" 400 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&max_host_concurrency=12&tls=on&dane=opportunistic" --data-urlencode "domain=$hostile" "$URL/destconfig")"
check "... the domain comes back escaped, never as markup" \
	bash -c "grep -qF 'id=\"domain\" maxlength=\"253\" placeholder=\"example.com, .example.com or an IPv4 address\" value=\"x&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\"' '$TEST_TMP/body' && ! grep -qF '<script>alert' '$TEST_TMP/body'"
check "... with the other fields as typed (12, Preferred, Opportunistic) and the domain's error" \
	bash -c "grep -q 'id=\"max_host_concurrency\" maxlength=\"9\" value=\"12\"' '$TEST_TMP/body' && grep -q '<option value=\"on\" selected>Preferred</option>' '$TEST_TMP/body' && grep -q '<option value=\"opportunistic\" selected>Opportunistic</option>' '$TEST_TMP/body' && grep -q 'class=\"error\" id=\"error-domain\">' '$TEST_TMP/body'"
check_eq "a hostile number (page): 400" 400 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=y.example" --data-urlencode 'max_host_concurrency="><img src=x>' "$URL/destconfig")"
check "... comes back escaped on its field, with its error" \
	bash -c "grep -qF 'value=\"&quot;&gt;&lt;img src=x&gt;\"' '$TEST_TMP/body' && ! grep -qF '<img src=x>' '$TEST_TMP/body' && grep -q 'id=\"error-max_host_concurrency\">' '$TEST_TMP/body' && grep -q 'id=\"domain\" [^>]*value=\"y.example\"' '$TEST_TMP/body'"
check_eq "the default entry without a value: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=edit&domain=DEFAULT&max_host_concurrency=" "$URL/destconfig")"
check_eq "nothing staged by the refusals" 0 "$(staged "$TEST_TMP/adm")"

check_eq "add secure.example: 200" 200 "$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf" "${add[@]}" "$URL/destconfig")"
check_eq "add it again: 400 (use EDIT)" 400 "$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf" "${add[@]}" "$URL/destconfig")"
check "... already in the destination control table" grep -q 'is already in the destination control table; use EDIT.' "$TEST_TMP/body"
check_eq "add Other.Example (lowercased) with a recipient limit: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=Other.Example&recipient_limit=30&recipient_minutes=10&bounce_validation=1" "$URL/destconfig")"
check_eq "edit a domain that is not there: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=edit&domain=nosuch.example" "$URL/destconfig")"
check_eq "edit other.example: TLS Preferred, the recipient limit back to the default" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=edit&domain=other.example&tls=on&recipient_limit=&bounce_validation=1" "$URL/destconfig")"
check_eq "the edit form of other.example" 200 "$(code -b "$TEST_TMP/adm" "$URL/destconfig/edit?domain=other.example")"
check "... shows Preferred chosen and the recipient limit inherited" \
	bash -c "grep -q '<option value=\"on\" selected>Preferred</option>' '$TEST_TMP/body' && grep -q 'name=\"recipient_limit\" id=\"recipient_limit\" maxlength=\"9\" value=\"\" placeholder=\"Default: 0\"' '$TEST_TMP/body'"
dflt="csrf=$csrf&mode=edit&domain=DEFAULT&max_host_concurrency=400&max_messages_per_connection=50&recipient_limit=0&recipient_minutes=60&limit_type=host&tls=on&bounce_validation=0&bounce_profile=Default"
check_eq "the default entry without DANE Support: 400 (every field)" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "$dflt" "$URL/destconfig")"
check "... on the dane field" grep -q '"field":"dane"' "$TEST_TMP/body"
check_eq "the default entry: concurrency 400, TLS Preferred, DANE No" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "$dflt&dane=off" "$URL/destconfig")"

# DANE Support (destconfig's pick-list No / Opportunistic / Mandatory, the
# INI values off / opportunistic / mandatory), with the console's rules.
check_eq "DANE: a value that is not one of the three: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=dane.example&tls=require&dane=always" "$URL/destconfig")"
check "... the console's message, on the dane field" \
	bash -c "grep -q 'The value of dane must be one of: off, opportunistic, mandatory.' '$TEST_TMP/body' && grep -q '\"field\":\"dane\"' '$TEST_TMP/body'"
check_eq "DANE Mandatory with TLS left to the default: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=dane.example&dane=mandatory" "$URL/destconfig")"
check "... DANE belongs to the domain's own TLS setting" \
	grep -q "DANE Support is part of the domain's own TLS setting" "$TEST_TMP/body"
check_eq "DANE Opportunistic with TLS No: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=dane.example&tls=off&dane=opportunistic" "$URL/destconfig")"
check "... DANE Support needs TLS" grep -q 'DANE Support needs TLS' "$TEST_TMP/body"
check_eq "edit secure.example to TLS No keeping DANE Mandatory (page): 400" 400 \
	"$(code -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=edit&domain=secure.example&max_host_concurrency=8&tls=off&dane=mandatory" "$URL/destconfig")"
check "... the Edit form again with TLS No, DANE Mandatory, 8 and the error under DANE" \
	bash -c "grep -q 'Edit Destination Controls' '$TEST_TMP/body' && grep -q '<option value=\"off\" selected>No</option>' '$TEST_TMP/body' && grep -q '<option value=\"mandatory\" selected>Mandatory</option>' '$TEST_TMP/body' && grep -q 'id=\"max_host_concurrency\" maxlength=\"9\" value=\"8\"' '$TEST_TMP/body' && grep -q 'class=\"error\" id=\"error-dane\">That value is not valid. DANE Support needs TLS' '$TEST_TMP/body'"
check_eq "the default entry with TLS No and DANE Mandatory: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "${dflt/tls=on/tls=off}&dane=mandatory" "$URL/destconfig")"
check_eq "add dane.example: TLS Required, DANE Mandatory: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=dane.example&tls=require&dane=mandatory" "$URL/destconfig")"
check_eq "the list (JSON) has it" 200 "$(code "${J[@]}" -b "$TEST_TMP/adm" "$URL/destconfig")"
check "... own dane mandatory" grep -q '"domain":"dane.example","own":{[^}]*"dane":"mandatory"' "$TEST_TMP/body"
check_eq "the list page" 200 "$(code -b "$TEST_TMP/adm" "$URL/destconfig")"
check "... a DANE column: Mandatory for dane.example, No for the default" \
	bash -c "grep -q '<th>DANE</th>' '$TEST_TMP/body' && grep -q 'id=\"dest-dane.example\">.*<td>Required</td><td>Mandatory</td>' '$TEST_TMP/body' && grep -q 'id=\"dest-DEFAULT\">.*<td>Preferred</td><td>No</td>' '$TEST_TMP/body'"
check_eq "the edit form of dane.example" 200 "$(code -b "$TEST_TMP/adm" "$URL/destconfig/edit?domain=dane.example")"
check "... shows Mandatory chosen" grep -q '<option value="mandatory" selected>Mandatory</option>' "$TEST_TMP/body"
check_eq "edit dane.example: DANE back to the default: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=edit&domain=dane.example&tls=require&dane=" "$URL/destconfig")"
check_eq "edit dane.example: DANE Opportunistic: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=edit&domain=dane.example&tls=require&dane=opportunistic" "$URL/destconfig")"
check_eq "add gone.example, then delete it" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&mode=new&domain=gone.example" "$URL/destconfig")"
check_eq "... delete: 200" 200 "$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&domain=gone.example" "$URL/destconfig/delete")"
check_eq "delete what is not there: 404" 404 "$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&domain=gone.example" "$URL/destconfig/delete")"

check_eq "settings: the alert without an address: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&alert_tls_required=1&alert_to=" "$URL/destconfig/setup")"
check_eq "settings: a bad address: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" --data-urlencode "csrf=$csrf" -d "alert_tls_required=1" --data-urlencode "alert_to=not an address" "$URL/destconfig/setup")"
check_eq "settings: a certificate that does not exist: 400" 400 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&outbound_certificate=nosuch" "$URL/destconfig/setup")"
check_eq "settings: the alert to postmaster@example.com: 200" 200 \
	"$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&outbound_certificate=Demo&alert_tls_required=1" --data-urlencode "alert_to=postmaster@example.com" "$URL/destconfig/setup")"
check "the console's showchanges lists the WebUI's edits" \
	bash -c "'$TLSGATE' --home '$HOME_DIR' --user admin -c showchanges >'$TEST_TMP/sc' && grep -q secure.example '$TEST_TMP/sc' && grep -q other.example '$TEST_TMP/sc' && grep -qi 'alert' '$TEST_TMP/sc'"
check_eq "commit: 200" 200 "$(code "${J[@]}" -b "$TEST_TMP/adm" -d "csrf=$csrf&comment=destinations from the WebUI" "$URL/commit")"

detail secure.example >"$TEST_TMP/d1"
check "destconfig DETAIL secure.example: 7 connections, TLS Required (Verify)" \
	bash -c "grep -qx '  Maximum concurrent connections: 7' '$TEST_TMP/d1' && grep -qx '  TLS: Required (Verify)' '$TEST_TMP/d1'"
detail dane.example >"$TEST_TMP/d3"
check "destconfig DETAIL dane.example: TLS Required, DANE Support: Opportunistic" \
	bash -c "grep -qx '  TLS: Required' '$TEST_TMP/d3' && grep -qx '  DANE Support: Opportunistic' '$TEST_TMP/d3'"
detail other.example >"$TEST_TMP/d2"
check "destconfig DETAIL other.example: 400 (default), Preferred, recipient limit inherited, bounce tagging On" \
	bash -c "grep -qx '  Maximum concurrent connections: 400 (default)' '$TEST_TMP/d2' && grep -qx '  TLS: Preferred' '$TEST_TMP/d2' && grep -qx '  Recipient limit: None (default)' '$TEST_TMP/d2' && grep -qx '  Bounce verification address tagging: On' '$TEST_TMP/d2'"
check "destconfig DETAIL gone.example: not found" bash -c "detail() { printf 'destconfig\nDETAIL\ngone.example\n\n' | '$TLSGATE' --home '$HOME_DIR' --user admin; }; detail | grep -q 'was not found in the destination control table'"
check "the alert setting is committed" \
	bash -c "sqlite3 '$HOME_DIR/config.db' \"SELECT key, value FROM config_values WHERE version=(SELECT max(version) FROM config_versions)\" | grep -q 'postmaster@example.com'"
done_testing
