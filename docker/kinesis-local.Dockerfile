# kinesis-local (the npm build of etspaceman/kinesis-mock), installed from the repository's package.json and
# package-lock.json, so compose runs the same version as the Kinesis tests. Build context: the repository root.
FROM node:20-slim
WORKDIR /opt/kinesis
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The server reads server.json from its working directory.
WORKDIR /opt/kinesis/node_modules/kinesis-local
ENV KINESIS_MOCK_PLAIN_PORT=4567 \
    KINESIS_MOCK_TLS_PORT=4568 \
    CREATE_STREAM_DURATION=0ms \
    LOG_LEVEL=WARN
EXPOSE 4567
CMD ["node", "main.js"]
