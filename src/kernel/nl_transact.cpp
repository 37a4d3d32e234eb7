#include "kernel/nl_transact.hpp"

#include <netlink/attr.h>

#include <cerrno>

#include "kernel/nl_error.hpp"

namespace netlab::nl {
namespace {

struct State {
  std::uint32_t seq = 0;
  bool done = false;
  Reply reply;
  const std::function<void(const nlmsghdr*)>* on_reply = nullptr;
};

// Replies to earlier requests that were abandoned (e.g. after a timeout)
// must not be taken for this one's.
int on_seq(nl_msg* m, void* arg) {
  auto* s = static_cast<State*>(arg);
  return nlmsg_hdr(m)->nlmsg_seq == s->seq ? NL_OK : NL_SKIP;
}

int on_valid(nl_msg* m, void* arg) {
  auto* s = static_cast<State*>(arg);
  if (s->on_reply && *s->on_reply) (*s->on_reply)(nlmsg_hdr(m));
  return NL_OK;
}

int on_done(nl_msg*, void* arg) {
  static_cast<State*>(arg)->done = true;
  return NL_STOP;
}

// The ack's TLVs (NLMSGERR_ATTR_MSG) follow the error header; with
// NETLINK_CAP_ACK the echoed request is only its header.
std::string ext_ack_text(const nlmsgerr* e) {
  const auto* hdr =
      reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(e) - NLMSG_HDRLEN);
  if (!(hdr->nlmsg_flags & NLM_F_ACK_TLVS)) return "";
  std::size_t off = sizeof(nlmsgerr);
  if (!(hdr->nlmsg_flags & NLM_F_CAPPED)) off += e->msg.nlmsg_len - NLMSG_HDRLEN;
  std::size_t total = hdr->nlmsg_len - NLMSG_HDRLEN;
  if (off >= total) return "";
  auto* attrs =
      reinterpret_cast<nlattr*>(const_cast<char*>(reinterpret_cast<const char*>(e)) + off);
  int len = static_cast<int>(total - off);
  nlattr* a;
  int rem;
  nla_for_each_attr(a, attrs, len, rem) {
    if (nla_type(a) == NLMSGERR_ATTR_MSG && nla_len(a) > 0) {
      const char* text = static_cast<const char*>(nla_data(a));
      return std::string(text, strnlen(text, static_cast<std::size_t>(nla_len(a))));
    }
  }
  return "";
}

int on_error(sockaddr_nl*, nlmsgerr* e, void* arg) {
  auto* s = static_cast<State*>(arg);
  s->done = true;
  s->reply.err = -e->error;
  s->reply.ext = ext_ack_text(e);
  return NL_STOP;
}

}  // namespace

Reply transact(nl_sock* sk, nl_msg* msg, const std::function<void(const nlmsghdr*)>& on_reply) {
  State s;
  s.on_reply = &on_reply;
  CbPtr cb(nl_cb_alloc(NL_CB_DEFAULT));
  if (!cb) return Reply{ENOMEM, ""};
  nl_cb_set(cb.get(), NL_CB_SEQ_CHECK, NL_CB_CUSTOM, on_seq, &s);
  nl_cb_set(cb.get(), NL_CB_VALID, NL_CB_CUSTOM, on_valid, &s);
  nl_cb_set(cb.get(), NL_CB_ACK, NL_CB_CUSTOM, on_done, &s);
  nl_cb_set(cb.get(), NL_CB_FINISH, NL_CB_CUSTOM, on_done, &s);
  nl_cb_err(cb.get(), NL_CB_CUSTOM, on_error, &s);

  if (int r = nl_send_auto(sk, msg); r < 0) return Reply{nle_to_errno(r), ""};
  s.seq = nlmsg_hdr(msg)->nlmsg_seq;
  while (!s.done) {
    int r = nl_recvmsgs(sk, cb.get());
    if (s.done) break;
    if (r < 0) {
      int err = nle_to_errno(r);
      return Reply{err == EAGAIN ? ETIMEDOUT : err, ""};
    }
  }
  return s.reply;
}

Reply transact(NetnsHandle& h, nl_msg* msg, const std::function<void(const nlmsghdr*)>& on_reply) {
  std::lock_guard lock(h.mu);
  return transact(h.sock.get(), msg, on_reply);
}

}  // namespace netlab::nl
