"""Python side of scripts/servers/swift.ts (run with Debian's /usr/bin/python3).

    swift-server.py serve <etc-dir> <app-section> <conf-file> [<object-port> <container-port> <account-port>]

Runs one Swift WSGI server (account-, container-, object- or proxy-server),
reading swift.conf from <etc-dir> and logging to stderr only. Given the
backend ports, it first writes the object, container and account rings (one
device on 127.0.0.1) into <etc-dir>: the proxy does that, being the only
server that reads the rings at start-up.
"""
import logging
import sys

# One device, one replica: a test server, not a cluster. 2^6 partitions is
# plenty for one disk and keeps the rings small and quick to build and load.
PART_POWER = 6
REPLICAS = 1
MIN_PART_HOURS = 0


def build_rings(etc_dir, object_port, container_port, account_port):
    # All three rings in one interpreter that imports Swift anyway: several
    # times faster than nine swift-ring-builder runs.
    from swift.common.ring import RingBuilder

    for ring_name, port in (('object', object_port), ('container', container_port),
                            ('account', account_port)):
        builder = RingBuilder(PART_POWER, REPLICAS, MIN_PART_HOURS)
        builder.add_dev({
            'region': 1, 'zone': 1, 'weight': 100, 'device': 'd1',
            'ip': '127.0.0.1', 'port': int(port),
            'replication_ip': '127.0.0.1', 'replication_port': int(port),
        })
        builder.rebalance()
        builder.get_ring().save('%s/%s.ring.gz' % (etc_dir, ring_name))


class DiscardHandler(logging.NullHandler):
    """Stands in for Swift's syslog handler, whatever arguments it is given."""

    def __init__(self, *args, **kwargs):
        super().__init__()


def serve(etc_dir, app_section, conf_file):
    from swift.common import utils

    # Swift opens /etc/swift/swift.conf (a module constant) for its hash salts,
    # storage policies and constraints; the `swift_dir` option only moves the
    # rings. Repoint it before the policy and constraint modules are (re)read,
    # and before the WSGI modules import values from them.
    utils.set_swift_dir(etc_dir)
    from swift.common import constraints, storage_policy
    storage_policy.reload_storage_policies()
    constraints.reload_constraints()

    # Without a /dev/log socket Swift falls back to syslog over UDP, i.e. an
    # unbound UDP socket on 0.0.0.0 per logger. The console handler (verbose)
    # already sends everything to stderr, which the launcher writes to a file.
    utils.ThreadSafeSysLogHandler = DiscardHandler

    from swift.common.wsgi import run_wsgi
    return run_wsgi(conf_file, app_section, verbose=True)


def main(argv):
    if len(argv) not in (4, 7) or argv[0] != 'serve':
        sys.stderr.write(__doc__)
        return 2
    etc_dir, app_section, conf_file = argv[1:4]
    if len(argv) == 7:
        build_rings(etc_dir, *argv[4:])
    return serve(etc_dir, app_section, conf_file)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
