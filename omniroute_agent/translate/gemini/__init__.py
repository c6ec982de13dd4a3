"""Google Gemini `generateContent` / `streamGenerateContent`: contents with parts, thought parts
and thought signatures, whole function calls, cumulative usage metadata, `google.rpc.Status` errors."""
