"""Templates and scripts shared by the Azure tests."""

from __future__ import annotations

from typing import Any

#: A generic template: a Log Analytics-like workspace whose outputs are a literal, parameters and
#: an expression over the resource group.
WORKSPACE: dict[str, Any] = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {
        "resourceName": {"type": "string"},
        "storageAccount": {"type": "string"},
        "retentionDays": {"type": "int", "defaultValue": 30},
    },
    "resources": [
        {
            "type": "Microsoft.OperationalInsights/workspaces",
            "apiVersion": "2023-09-01",
            "name": "[parameters('resourceName')]",
            "location": "[resourceGroup().location]",
            "properties": {"retentionInDays": "[parameters('retentionDays')]"},
        }
    ],
    "outputs": {
        "workspaceName": {"type": "string", "value": "[parameters('resourceName')]"},
        "usesAccount": {"type": "string", "value": "[parameters('storageAccount')]"},
        "tier": {"type": "string", "value": "PerGB2018"},
        "retention": {"type": "int", "value": "[parameters('retentionDays')]"},
    },
}

#: A storage account name ARM refuses (uppercase, underscore): the deployment fails with ARM's words.
BROKEN: dict[str, Any] = {
    "resources": [
        {"type": "Microsoft.Storage/storageAccounts", "apiVersion": "2023-05-01", "name": "Not_Valid", "location": "westeurope"}
    ],
    "outputs": {"name": {"type": "string", "value": "Not_Valid"}},
}

#: A process that writes the variables it was given to env.json (a file: its log is masked) and
#: prints the connection string (which the log must show masked) and its reverse.
DUMP = """
import json, os, time
json.dump(dict(os.environ), open("env.json", "w"))
cs = os.environ["ConnectionStrings__files"]
print("connection", cs, "reversed", cs[::-1], flush=True)
time.sleep(3600)
"""
