// Readable JSON renderings of SGX structures and quotes, for `sgx-tools dump-*`
// and for logs. Byte fields are lowercase hex strings; integers are numbers;
// attribute flags are also listed by name.
//
//   IC_ASSIGN_OR_RETURN(QuoteView q, ParseQuote(bytes));
//   std::cout << QuoteToJson(q) << "\n";
//
// The output is pretty-printed (2-space indent) and deterministic: the same
// input gives the same text, so tests may compare it.
#pragma once

#include <string>

#include "enclave/sgx/arch.h"
#include "enclave/sgx/quote.h"

namespace inclavare::sgx {

std::string QuoteToJson(const QuoteView& quote);
std::string SigStructToJson(const SigStruct& ss);
std::string ReportBodyToJson(const ReportBody& body);

}  // namespace inclavare::sgx
