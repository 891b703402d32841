"""Checks the published API documents: the order JSON Schema is a valid schema that accepts the
documented example and refuses a broken one, and the OpenAPI document parses and names every route
that template.yaml serves. Also checks the template's HttpApi body (which only adds the JWT
authorizer) guards every admin route (orders-api's, but the public tracking page and the admin
web app's pages, which a session cookie guards) and names no route the functions do not serve.
The web app's pages are HTML, described in the README rather than in the OpenAPI document."""
import json
import sys

import jsonschema
import yaml


class CfnLoader(yaml.SafeLoader):
    """template.yaml uses CloudFormation tags (!Ref, !GetAtt, !Equals, ...); read them as plain values."""


def untagged(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


CfnLoader.add_multi_constructor("!", untagged)

schema = json.load(open("docs/order.schema.json"))
jsonschema.Draft202012Validator.check_schema(schema)
example = json.load(open("tests/fixtures/native/order.json"))
jsonschema.validate(example, schema)
broken = dict(example, lines=[dict(example["lines"][0], quantity=0)])
if jsonschema.Draft202012Validator(schema).is_valid(broken):
    sys.exit("docs/order.schema.json accepts a line with quantity 0")

openapi = yaml.safe_load(open("docs/openapi.yaml"))
documented = {(m.upper(), p) for p, ops in openapi["paths"].items() for m in ops}
template = yaml.load(open("template.yaml"), Loader=CfnLoader)
WEB_APP = {("GET", "/admin"), ("ANY", "/admin/{proxy+}")}
served = {
    (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
    for r in template["Resources"].values()
    for e in r.get("Properties", {}).get("Events", {}).values()
    if e.get("Type") == "HttpApi"
} - WEB_APP
missing = served - documented
if missing:
    sys.exit(f"docs/openapi.yaml does not document {sorted(missing)}")

resources = template["Resources"]
admin = {
    (e["Properties"]["Method"].upper(), e["Properties"]["Path"])
    for e in resources["OrdersApiFunction"]["Properties"]["Events"].values()
    if e.get("Type") == "HttpApi"
} - {("GET", "/track/{id}")} - WEB_APP
body = resources["HttpApi"]["Properties"]["DefinitionBody"]["paths"]
body_ops = {(m.upper(), p): op for p, ops in body.items() for m, op in ops.items()}
unguarded = sorted(r for r in admin if "security" not in body_ops.get(r, {}))
not_served = sorted(set(body_ops) - served)
if unguarded or not_served:
    sys.exit(
        "template.yaml: the HttpApi body must guard every admin route and name only served routes; "
        f"unguarded: {unguarded}, not served: {not_served}"
    )
print(f"docs ok: schema accepts the example, {len(served)} routes documented, {len(admin)} admin routes guarded")
