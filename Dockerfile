# The reference bot as a static binary on distroless, running as non-root.
# Build: docker build -t svsbot .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/geminibot ./examples/geminibot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/geminibot /geminibot
COPY --from=build --chown=nonroot:nonroot /out/data /data
USER nonroot:nonroot
ENV SVSBOT_STORE_URL=sqlite:///data/bot.db
VOLUME ["/data"]
EXPOSE 8080
ENTRYPOINT ["/geminibot"]
