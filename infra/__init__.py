"""What Chalice does not create: the CloudFormation template (built from the
PynamoDB models) and the packaging step that decides what ships to Lambda.

``python -m infra.build`` writes infra/template.json; ``infra.package.build``
runs ``chalice package`` and strips what the Lambda runtime already provides.
"""
