"""Attack: predict the identifiers rtcgate makes. Branches, tags and nonces leave in every message
it sends; were they the output of a seeded general-purpose generator (a Mersenne Twister), an
observer of ~160 forwarded requests could rebuild the generator's state and know every branch,
tag and Call-ID to come (and so forge CANCELs and in-dialog requests of calls placed later).
The test collects the identifiers from the real binary's messages and tries exactly that."""
import re
import secrets

import sinks  # noqa: F401  (puts the integration harness on the import path)
from siptest import Connection, Gateway, UserAgent, check, parse_args, run_tests, tests_in

args = parse_args()

# ---------------------------------------------------------------- the Mersenne Twister attack

MASK = (1 << 64) - 1
N, M = 312, 156
UPPER, LOWER = 0xFFFFFFFF80000000, 0x7FFFFFFF
MATRIX_A = 0xB5026F5AA96619E9


def temper(y):
    y ^= (y >> 29) & 0x5555555555555555
    y ^= (y << 17) & 0x71D67FFFEDA60000
    y ^= (y << 37) & 0xFFF7EEE000000000
    return y ^ (y >> 43)


def _undo_right(y, shift, mask=MASK):
    x = y
    for _ in range(64 // shift + 1):
        x = y ^ ((x >> shift) & mask)
    return x


def _undo_left(y, shift, mask):
    x = y
    for _ in range(64 // shift + 1):
        x = y ^ ((x << shift) & mask & MASK)
    return x


def untemper(y):
    y = _undo_right(y, 43)
    y = _undo_left(y, 37, 0xFFF7EEE000000000)
    y = _undo_left(y, 17, 0x71D67FFFEDA60000)
    return _undo_right(y, 29, 0x5555555555555555)


def next_state_word(x_i, x_i1, x_im):
    """mt19937_64's recurrence: state word i+N from words i, i+1 and i+M."""
    y = (x_i & UPPER) | (x_i1 & LOWER)
    return x_im ^ (y >> 1) ^ (MATRIX_A if y & 1 else 0)


def predictions(outputs):
    """For each output k >= N of a run of consecutive outputs: the value mt19937_64 would give,
    computed from outputs k-N, k-N+1 and k-M alone (no alignment to the state needed)."""
    state = [untemper(o) for o in outputs]
    return [(k, temper(next_state_word(state[k - N], state[k - N + 1], state[k - M])))
            for k in range(N, len(outputs))]


class Mt19937_64:
    """The reference generator, to prove the attack code right before trusting its verdict."""

    def __init__(self, seed):
        self.state = [seed & MASK]
        for i in range(1, N):
            prev = self.state[-1]
            self.state.append((6364136223846793005 * (prev ^ (prev >> 62)) + i) & MASK)
        self.index = N

    def __call__(self):
        if self.index >= N:
            for i in range(N):
                self.state[i] = next_state_word(self.state[i], self.state[(i + 1) % N],
                                                self.state[(i + M) % N])
            self.index = 0
        self.index += 1
        return temper(self.state[self.index - 1])


def words_of_branch(random_hex):
    """The 64-bit words a branch would carry if it were 16 hex digits per word, least
    significant nibble first (the old TransactionLayer::newBranch) -- and also most significant
    first, so that either writing order is tried."""
    words = []
    for start in range(0, len(random_hex) - 15, 16):
        chunk = random_hex[start:start + 16]
        words.append((int(chunk[::-1], 16), int(chunk, 16)))
    return words


def predicted_fraction(branches):
    """Fraction of later branch words predicted from earlier ones, for both nibble orders."""
    best = 0.0
    for order in (0, 1):
        outputs = [w[order] for b in branches for w in words_of_branch(b)]
        guesses = predictions(outputs)
        if guesses:
            hits = sum(1 for k, value in guesses if outputs[k] == value)
            best = max(best, hits / len(guesses))
    return best


# ---------------------------------------------------------------- the gateway under attack

peer = Connection("udp", 0)
peer_ua = UserAgent(peer, "trunk")
gw = Gateway(args.binary, transports=("udp",), auth=False,
             extra_yaml=f"routes:\n  - {{ match: '^fwd', to: [sip:127.0.0.1:{peer.local[1]}] }}\n")
gw.start()
peer.peer = ("127.0.0.1", gw.ports["udp"])  # where the trunk's answers go
client = Connection("udp", gw.ports["udp"])
caller = UserAgent(client, "mallory", domain="attacker.test")
BRANCH = re.compile(r"branch=z9hG4bK([0-9A-Za-z]+)")


def forwarded_branch():
    """Sends one OPTIONS through the route; returns the branch rtcgate wrote on it."""
    client.send(caller.request("OPTIONS", f"sip:fwd{secrets.token_hex(3)}@localhost",
                               call_id=secrets.token_hex(8)))
    request = peer_ua.wait_request("OPTIONS", timeout=3)
    peer_ua.respond(request, 200, "OK")
    response = client.recv(3)
    check(response is not None and response.status == 200, f"OPTIONS via route: {response!r}")
    match = BRANCH.search(request.all("Via")[0])
    check(match is not None, f"no branch in {request.all('Via')[0]}")
    return match.group(1)


def test_attack_code_predicts_a_twister():
    generator = Mt19937_64(secrets.randbits(64))
    fake = []
    for _ in range(200):
        text = ""
        for _ in range(2):
            bits = generator()
            text += "".join("0123456789abcdef"[(bits >> (4 * i)) & 0xf] for i in range(16))
        fake.append(text)
    check(predicted_fraction(fake) == 1.0, "the state-recovery code does not work")


def test_branches_cannot_be_predicted_from_earlier_ones():
    branches = [forwarded_branch() for _ in range(200)]
    check(len(set(branches)) == len(branches), "a branch repeated")
    check(all(len(b) >= 32 for b in branches),
          f"a branch carries fewer than 128 random bits: {min(branches, key=len)}")
    fraction = predicted_fraction(branches)
    check(fraction < 0.01,
          f"{fraction:.0%} of branches were predicted from 312 earlier generator outputs: "
          "the branch generator is a seeded Mersenne Twister")


def test_register_to_tag_is_not_a_function_of_the_request():
    """A To tag must be random (RFC 3261 19.3); one computed from Call-ID and CSeq is known in
    advance to anyone who writes the request. Two users register with the same Call-ID and
    CSeq: their tags must differ."""
    call_id = secrets.token_hex(8)
    tags = []
    for user in ("alice", "bob"):
        ua = UserAgent(Connection("udp", gw.ports["udp"]), user)
        response = ua.transact(ua.request("REGISTER", "sip:localhost",
                                          [f"Contact: {ua.contact()}", "Expires: 60"],
                                          call_id=call_id, cseq=7))
        check(response.status == 200, f"REGISTER: {response.first}")
        tag = re.search(r";tag=([^;>\s]+)", response.get("To"))
        check(tag is not None, "no To tag on the REGISTER 200")
        tags.append(tag.group(1))
    check(tags[0] != tags[1], f"the same request got the same To tag twice ({tags[0]})")
    check(len(tags[0]) >= 16, f"To tag {tags[0]} carries fewer than 64 bits")


def test_nonces_are_unique_and_long():
    nonce_gw = Gateway(args.binary, transports=("udp",), auth=True).start()
    try:
        ua = UserAgent(Connection("udp", nonce_gw.ports["udp"]), "alice")
        nonces = []
        for _ in range(20):
            response = ua.transact(ua.request("REGISTER", "sip:localhost",
                                              [f"Contact: {ua.contact()}"]))
            check(response.status == 401, f"REGISTER without credentials: {response.first}")
            nonces += re.findall(r'nonce="([^"]+)"', response.get("WWW-Authenticate"))
        check(len(set(nonces)) == len(nonces), "a nonce repeated")
        check(all(len(n) >= 32 for n in nonces), "a nonce carries fewer than 128 bits")
    finally:
        check(nonce_gw.stop() == 0, "rtcgate did not exit cleanly")
        nonce_gw.cleanup()


run_tests(tests_in(globals()), gateways=[gw])
