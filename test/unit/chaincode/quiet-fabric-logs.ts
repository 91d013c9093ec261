// fabric-contract-api and fabric-shim log every decorator and every refused transaction at info
// and error level; tests refuse transactions on purpose, so keep only fatal messages.
process.env.CORE_CHAINCODE_LOGGING_LEVEL = 'CRITICAL';
