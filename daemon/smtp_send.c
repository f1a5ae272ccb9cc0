/* smtp_send: how an SMTP session's replies leave. With nothing queued a
 * reply is sent at once, in the clear or as one TLS record, instead of
 * through the bufferevent's write event (two epoll_ctl and a wake-up per
 * reply); the replies to one read's pipelined commands are gathered and
 * leave in one send. Issue 20 (docs/PERFORMANCE.md). */
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <limits.h>
#include <openssl/err.h>
#include <sys/socket.h>

#include "smtp_internal.h"

/* With nothing queued, the reply is sent at once, in the clear or as one
 * TLS record: no write event armed and disarmed for each (two epoll_ctl and
 * a wake-up). What the socket does not take is queued, and the write
 * callback (end of STARTTLS, of the session) runs as if the bufferevent had
 * sent it. A TLS write that would block has its record pending in OpenSSL:
 * the bufferevent repeats the same write, which OpenSSL requires and
 * completes (partial writes and moving buffers are on). */
static size_t send_now(struct smtp_session *s, const struct strbuf *reply)
{
	ssize_t n;
	int r;

	if (!s->ssl) {
		n = send(s->fd, reply->data, reply->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		return n > 0 ? (size_t)n : 0; /* an error shows on the queued write */
	}
	if (!SSL_is_init_finished(s->ssl) || reply->len > INT_MAX)
		return 0;
	r = SSL_write(s->ssl, reply->data, (int)reply->len);
	if (r > 0)
		return (size_t)r;
	ERR_clear_error(); /* the bufferevent's own SSL_write reads the queue */
	return 0;
}

static void send_now_or_queue(struct smtp_session *s, const struct strbuf *reply)
{
	size_t done = 0;

	if (!reply->len)
		return;
	if (evbuffer_get_length(bufferevent_get_output(s->bev)) == 0) {
		done = send_now(s, reply);
		if (done == reply->len) {
			bufferevent_trigger(s->bev, EV_WRITE,
					    BEV_TRIG_IGNORE_WATERMARKS | BEV_TRIG_DEFER_CALLBACKS);
			return;
		}
	}
	/* Write events are enabled at the first reply that has to wait. */
	bufferevent_enable(s->bev, EV_WRITE);
	bufferevent_write(s->bev, reply->data + done, reply->len - done);
}

/* The replies to one read's pipelined commands leave together, at the end
 * of smtp_process_input(): one send for the batch, as the bufferevent's one
 * write did. */
#define BATCH_MAX (16 * 1024)

void smtp_flush_batch(struct smtp_session *s)
{
	send_now_or_queue(s, &s->batch);
	strbuf_reset(&s->batch);
}

void smtp_send_reply(struct smtp_session *s, const struct strbuf *reply)
{
	if (!s->batching) {
		send_now_or_queue(s, reply);
		return;
	}
	strbuf_add(&s->batch, reply->data, reply->len);
	if (s->batch.len >= BATCH_MAX)
		smtp_flush_batch(s);
}
