"""OpenAI Responses API (`/v1/responses`): input items and output items to and from the hub.

The gateway is stateless: a client sends the whole conversation as `input` items every turn
(`previous_response_id` and `conversation` are refused), and reasoning is carried across turns as
`encrypted_content` on reasoning items, which the hub keeps as reasoning blocks of format "responses".
"""
