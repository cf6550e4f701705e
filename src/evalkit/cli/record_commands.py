"""Commands on the record: publish a run, find the run behind a verification code, prune superseded runs, make a
signing key, bundle a run for an offline replay."""
from __future__ import annotations

import argparse
import sys

from ..core import keys, paths
from ..framework.loading import load_framework
from ..runs import verification


def _publish(args: argparse.Namespace) -> int:
    # DuckDB (the history store): only the commands that change the record need it
    from ..runs import publication

    for run_dir in args.run_dirs:
        try:
            entry = publication.publish(run_dir, args.outputs)
        except publication.FrozenError as exc:
            if not args.skip_published:
                raise
            print(f"{run_dir}: kept as it is: {str(exc).split(';')[0]}")
            continue
        signed = "signed" if "signature" in entry else "NOT signed: this machine holds no key of the city (未签名)"
        print(f"{entry['city']} {entry['period']}: run {entry['run_id']} is the published record (已发布); ledger entry {signed}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    found = verification.find(args.outputs or paths.OUTPUTS, args.code)
    if not found:
        print(f"{args.code}: no archived run has this verification code (未找到该核验码对应的运行)", file=sys.stderr)
        return 1
    for f in found:
        print(f.line())
    return 0 if all(f.signature in ("signed", "demo") or (f.signature == "unsigned" and not keys.public_keys(f.city))
                    for f in found) else 1


def _prune(args: argparse.Namespace) -> int:
    from ..runs import publication

    gone = publication.prune(args.outputs, dry_run=args.dry_run)
    for folder in gone:
        print(f"{'would remove' if args.dry_run else 'removed'} {folder} (superseded, never published)")
    print(f"{len(gone)} 个已被取代且从未发布的运行{'将被' if args.dry_run else '已'}删除 superseded unpublished run(s)"
          f"{' would be' if args.dry_run else ''} removed; published and corrected records are kept")
    return 0


def _keys(args: argparse.Namespace) -> int:
    if args.if_missing and keys.private_key(args.city) is not None:
        print(f"{args.city}: this machine holds its signing key already ({keys.keys_dir()}); kept")
        return 0
    # pyHanko: only this command and the runs sign PDFs
    from ..publish.pdf_signing import certificate

    holder = f"{load_framework(args.city).name}数字政府建设专班"
    private, public = keys.new_key(args.city, demo=args.demo, use_sm2=args.sm2)
    cert = keys.write_certificate(args.city, certificate(keys.document_key(args.city), holder=holder, demo=args.demo), demo=args.demo)
    print(f"private keys: {private} and its -pdf.pem (keep them off the repository; back them up)\n"
          f"public key and PDF certificate: {public}, {cert} "
          + ("(示例密钥 demo key: what it signs is example data)" if args.demo else "(commit them as city data)"))
    return 0


def _bundle(args: argparse.Namespace) -> int:
    # the audit and the notebooks' libraries: only this command needs them
    from ..runs import bundle

    made = bundle.make_bundle(args.run_dir, args.output, progress=not args.quiet)
    m = made.manifest
    print(f"{made.path}: {made.size / 1e6:.0f} MB, SHA-256 {made.sha256}\n"
          f"  run {m['run']['id']} ({m['run']['city']} {m['run']['period']}, 核验码 {m['run']['code']}); evalkit from "
          f"{m['source']['origin']} {str(m['source']['commit'])[:12]}; {len(m['built_from_sdist'])} wheel(s) built from sdists; "
          f"{len(m['debian']['packages'])} Debian packages; Python {m['python']['series']} (≥ {m['python']['minimum']})\n"
          f"  replay, without network: mkdir b && tar -xf {made.path.name} -C b && python3 b/replay (离线复核)")
    return 0


COMMANDS = {"bundle": _bundle, "keys": _keys, "prune": _prune, "publish": _publish, "verify": _verify}
