# LDae build entry point (PowerShell): ./build.ps1 --target=NAME --profile=quick
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot
dotnet tool restore | Out-Null
# build.cake loads the harness assembly (#r), so it must exist before Cake compiles the script.
dotnet build src/LDae.Harness -c Release -nologo -v q -clp:ErrorsOnly | Out-Null
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
dotnet cake build/build.cake @args
exit $LASTEXITCODE
